/**
 * Deciding what to do: for each source entry and the state found at the destination, one
 * {@link dev.linksafe.plan.Action}. Actions stream; the plan of a whole tree is never held.
 */
package dev.linksafe.plan;
