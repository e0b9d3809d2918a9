package dev.linksafe.verify;

/**
 * One way in which two trees differ.
 *
 * @param path the relative name concerned ('.' for the roots)
 * @param aspect what differs: {@code missing}, {@code extra}, {@code kind}, {@code size},
 *     {@code mtime}, {@code mode}, {@code content}, {@code target}, {@code topology}, {@code error}
 * @param detail the two sides, for people
 */
public record Difference(String path, String aspect, String detail) {
  @Override
  public String toString() {
    return path + ": " + aspect + ": " + detail;
  }
}
