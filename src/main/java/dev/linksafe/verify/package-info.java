/**
 * Tree comparison: names, kinds, sizes, times, link targets and the hard-link topology, the
 * oracle every other stage is tested against.
 */
package dev.linksafe.verify;
