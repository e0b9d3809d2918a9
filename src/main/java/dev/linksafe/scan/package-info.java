/**
 * The tree walker and the link analysis: hard-link groups (complete and partial), symlink
 * classes (inner, outer, dangling, loop), mount points and excludes.
 */
package dev.linksafe.scan;
