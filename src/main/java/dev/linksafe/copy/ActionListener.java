package dev.linksafe.copy;

import dev.linksafe.plan.Action;

/** Receives each step as it is decided (for listings and dry runs), from any thread. */
public interface ActionListener {
  ActionListener NONE = action -> { };

  void planned(Action action);
}
