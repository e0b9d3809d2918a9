/** Immutable records that flow between the stages scan, plan, copy and verify. */
package dev.linksafe.model;
