/**
 * Time-Machine-style repositories: each snapshot a complete tree whose unchanged files are hard
 * links to the previous snapshot's, created whole or not at all, listed and pruned from small
 * manifests without walking the trees.
 */
package dev.linksafe.snapshot;
