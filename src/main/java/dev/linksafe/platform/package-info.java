/**
 * Everything that differs per platform and volume, behind {@link dev.linksafe.platform.FileSystemAccess};
 * JNA bindings live only in this package.
 */
package dev.linksafe.platform;
