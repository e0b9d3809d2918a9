package dev.linksafe.copy;

import dev.linksafe.model.FileId;

/**
 * Where a previous copy holds the file of each source hard-link group, by the group's source
 * identity, and where this copy puts it. A snapshot meets a group first at whichever of its
 * names the walk reaches first; when that name is new (a name added to a file since the previous
 * snapshot), the previous snapshot's file is found through this instead of by path.
 */
public interface GroupLocations {
  /** Keeps and knows nothing: a copy or mirror, or a snapshot without the previous one's. */
  GroupLocations NONE = new GroupLocations() {
    @Override
    public String previousPath(FileId source) {
      return null;
    }

    @Override
    public void record(FileId source, String path) {
      // nothing kept
    }
  };

  /** The relative path ('/' separators) of the group's file in the previous copy, or null. */
  String previousPath(FileId source);

  /** Notes the relative path of the group's file in this copy; safe from any thread. */
  void record(FileId source, String path);
}
