/**
 * The incremental index: what the last run saw at the source and wrote at the destination, per
 * (source, destination) pair, so that a later run skips what did not change. It is a cache:
 * without it a run compares source and destination directly and gets the same result.
 */
package dev.linksafe.index;
