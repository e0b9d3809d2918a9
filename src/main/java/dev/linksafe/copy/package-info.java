/**
 * Doing the plan: the copy engine that reproduces a tree with its hard links, symlinks and
 * metadata, writing every file under a temporary name and renaming it into place.
 */
package dev.linksafe.copy;
