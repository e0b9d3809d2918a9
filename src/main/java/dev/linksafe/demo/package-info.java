/** A small link-rich sample tree, for the demo command and as a fixture for tests. */
package dev.linksafe.demo;
