#include "git/store/tree_editor.h"

#include <map>
#include <memory>
#include <unordered_map>

#include "git/format/tree.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

// The edits as a tree of path segments: a leaf holds one edit, an inner node
// the segments below it.
struct EditNode {
  const TreeEdit* edit = nullptr;           // a leaf
  const TreeEdit* firstBelow = nullptr;     // an inner node: the first edit under it (for errors)
  std::map<std::string, std::unique_ptr<EditNode>> children;
};

[[noreturn]] void refuse(const TreeEdit& edit, const std::string& message) {
  throwError(ErrorCode::InvalidInput, message, edit.pointer);
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

EditNode buildEditTree(const std::vector<TreeEdit>& edits) {
  EditNode root;
  for (const auto& edit : edits) {
    EditNode* node = &root;
    size_t start = 0;
    for (;;) {
      const size_t slash = edit.path.find('/', start);
      const bool last = slash == std::string::npos;
      const std::string segment = edit.path.substr(start, last ? std::string::npos : slash - start);
      auto& slot = node->children[segment];
      if (!slot) slot = std::make_unique<EditNode>();
      node = slot.get();
      const std::string here = edit.path.substr(0, last ? std::string::npos : slash);
      if (node->edit) {
        if (last) refuse(edit, quoted(edit.path) + " is changed twice in this commit");
        refuse(edit, quoted(here) + " is both a file and a directory in this commit");
      }
      if (last) {
        if (node->firstBelow) refuse(edit, quoted(here) + " is both a file and a directory in this commit");
        node->edit = &edit;
        break;
      }
      if (!node->firstBelow) node->firstBelow = &edit;
      start = slash + 1;
    }
  }
  return root;
}

bool isRegularFile(uint32_t mode) {
  const uint32_t canonical = canonicalMode(mode);
  return canonical == 0100644 || canonical == 0100755;
}

class Editor {
 public:
  Editor(GitRepo& repo, ObjectWriter& writer) : repo_(repo), writer_(writer) {}

  // The edited tree's entries (empty: the directory goes away).
  std::vector<TreeItem> apply(const std::optional<ObjectId>& base, const EditNode& node, const std::string& dir) {
    std::vector<TreeItem> items;
    if (base) {
      auto entries = repo_.tree(*base);
      if (!entries) throwError(ErrorCode::InternalError, "tree " + base->hex() + " is missing");
      items.reserve(entries->size() + node.children.size());
      for (auto& e : *entries) items.push_back(TreeItem{std::move(e.name), e.mode, e.id});
    }
    std::unordered_map<std::string, size_t> index;
    index.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
    std::vector<bool> removed(items.size(), false);

    for (const auto& [name, child] : node.children) {
      const std::string path = dir.empty() ? name : dir + "/" + name;
      const auto found = index.find(name);
      TreeItem* existing = found == index.end() || removed[found->second] ? nullptr : &items[found->second];
      if (child->edit) {
        const TreeEdit& edit = *child->edit;
        if (existing && existing->isTree()) refuse(edit, quoted(path) + " is a directory");
        if (!edit.blob) {
          if (!existing) refuse(edit, quoted(path) + " does not exist");
          removed[found->second] = true;
          continue;
        }
        uint32_t mode = 0100644;
        if (edit.mode) mode = *edit.mode;
        else if (existing && isRegularFile(existing->mode)) mode = canonicalMode(existing->mode);
        if (existing) {
          existing->mode = mode;
          existing->id = *edit.blob;
        } else {
          items.push_back(TreeItem{name, mode, *edit.blob});
        }
        continue;
      }
      if (existing && !existing->isTree()) refuse(*child->firstBelow, quoted(path) + " is a file");
      const auto subtree = apply(existing ? std::optional<ObjectId>(existing->id) : std::nullopt, *child, path);
      if (subtree.empty()) {
        if (existing) removed[found->second] = true;
        continue;
      }
      const ObjectId id = writer_.write(ObjectType::Tree, encodeTree(subtree));
      if (existing) {
        existing->mode = 0040000;
        existing->id = id;
      } else {
        items.push_back(TreeItem{name, 0040000, id});
      }
    }

    std::vector<TreeItem> out;
    out.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (i >= removed.size() || !removed[i]) out.push_back(std::move(items[i]));
    }
    return out;
  }

 private:
  GitRepo& repo_;
  ObjectWriter& writer_;
};

}  // namespace

ObjectId editTree(GitRepo& repo, ObjectWriter& writer, const std::optional<ObjectId>& base,
                  const std::vector<TreeEdit>& edits) {
  const EditNode root = buildEditTree(edits);
  Editor editor(repo, writer);
  return writer.write(ObjectType::Tree, encodeTree(editor.apply(base, root, "")));
}

}  // namespace oa::git
