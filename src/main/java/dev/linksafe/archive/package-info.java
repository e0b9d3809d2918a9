/**
 * POSIX (pax) tar archives with links intact, and an extractor that refuses to write outside
 * its destination.
 */
package dev.linksafe.archive;
