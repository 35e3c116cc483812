#include "controlplane/apiserver/strategic_merge_patch.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using SchemaPtr = std::shared_ptr<const PatchSchema>;

constexpr std::string_view kPatchKey = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
// Kubernetes objects are a few levels deep; anything far deeper is an attack on the stack.
constexpr int kMaxDepth = 256;

const PatchSchema& SchemaOf(const PatchField& field) {
  static const PatchSchema kNone;
  return field.schema ? *field.schema : kNone;
}

// The field whose schema applies to each element of a list: the list's own element schema,
// with none of the list's strategy.
PatchField ElementsOf(const PatchField& list) {
  PatchField elements;
  elements.schema = list.schema;
  return elements;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsDirectiveKey(std::string_view key) {
  return key == kPatchKey || key == kRetainKeys || StartsWith(key, kSetElementOrder) ||
         StartsWith(key, kDeleteFromPrimitiveList);
}

// JSON paths into the patch, for error messages: "spec.containers[1].env".
std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string At(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

[[noreturn]] void Fail(const std::string& path, const std::string& message) {
  throw PatchError((path.empty() ? std::string("(root)") : path) + ": " + message);
}

// The $patch directive of an element or object, if it has one.
const json* DirectiveOf(const json& value) {
  if (!value.is_object()) return nullptr;
  auto it = value.find(kPatchKey);
  return it == value.end() ? nullptr : &*it;
}

bool IsDeleteDirective(const json& value) {
  const json* directive = DirectiveOf(value);
  return directive != nullptr && *directive == "delete";
}

// What kind of JSON value an element is, to refuse lists that mix kinds as upstream does.
std::string_view KindOf(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "list";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    default:
      return "number";
  }
}

// The result of merging a live list with a patch list, before it is put in order.
struct MergedList {
  std::vector<json> items;        // the live elements left (merged with the patch's), then new ones
  std::vector<json> patch_order;  // the patch's elements, whose order the result follows
  std::vector<json> live_order;   // the live elements left, whose order the rest follows
  // What $setElementOrder places the elements it does not name by. In upstream's code this
  // comes out as the first len(live) elements of `items` for lists of objects (so a new element
  // can count), and the live list for primitives; following it orders lists as a real apiserver.
  std::vector<json> order_base;
};

class Merger {
 public:
  json MergeObject(const json& original, const json& patch, const PatchSchema& schema,
                   const std::string& path);

 private:
  // `patch` where nothing is there to merge with: the patch applied to an empty value, so
  // directives take effect and nulls vanish. Nothing when the value deletes itself.
  std::optional<json> Materialize(const json& patch, const PatchField& field,
                                  const std::string& path);
  json MergeList(const json& original, const json& patch, const PatchField& field,
                 const std::string& path);
  MergedList MergeListItems(const json& original, const json& patch, const PatchField& field,
                            const std::string& path);

  void ApplyRetainKeys(json& result, const json& patch, const std::string& path);
  // Merges and orders the lists named by $setElementOrder directives; returns their names.
  std::set<std::string> ApplyElementOrders(json& result, const json& patch,
                                           const PatchSchema& schema, const std::string& path);
  void ApplyPrimitiveDeletions(json& result, const json& patch, const std::string& path);

  class Depth {
   public:
    Depth(int& depth, const std::string& path) : depth_(depth) {
      if (depth_ >= kMaxDepth) Fail(path, "the patch is nested too deeply");
      ++depth_;
    }
    ~Depth() { --depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    int& depth_;
  };
  int depth_ = 0;
};

// Element kinds must agree (all objects, or all primitives of one kind) and lists of lists
// cannot merge; returns whether the elements are objects.
bool CheckElements(const json& original, const json& patch, const PatchField& field,
                   const std::string& path) {
  std::string_view kind;
  for (const json* list : {&original, &patch}) {
    for (const json& element : *list) {
      std::string_view this_kind = KindOf(element);
      if (this_kind == "list") Fail(path, "lists of lists cannot be merged");
      if (this_kind == "null") Fail(path, "a merging list cannot hold null");
      if (kind.empty()) kind = this_kind;
      if (kind != this_kind) {
        Fail(path, "list element types are not identical: " + std::string(kind) + " and " +
                       std::string(this_kind));
      }
    }
  }
  if (kind == "object" && field.merge_key.empty()) {
    Fail(path, "cannot merge a list of objects without a merge key");
  }
  return kind == "object";
}

const json* MergeKeyOf(const json& element, const std::string& key) {
  if (!element.is_object()) return nullptr;
  auto it = element.find(key);
  return it == element.end() ? nullptr : &*it;
}

std::string NoMergeKey(const std::string& key) {
  return "element does not contain declared merge key \"" + key + "\"";
}

// Where `element` is in `list`: by merge key for objects, by value for primitives; -1 if absent.
long IndexIn(const std::vector<json>& list, const json& element, const std::string& key) {
  const json* wanted = key.empty() ? &element : MergeKeyOf(element, key);
  for (size_t i = 0; i < list.size(); ++i) {
    const json* candidate = key.empty() ? &list[i] : MergeKeyOf(list[i], key);
    if (wanted != nullptr && candidate != nullptr && *candidate == *wanted) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

// Orders `items` as upstream does: the elements `order` names follow `order`; the others keep
// the order of `base` and go before an ordered element only where `base` has them before it.
json PutInOrder(const std::vector<json>& items, const std::vector<json>& order,
                const std::vector<json>& base, const std::string& key, const std::string& path) {
  struct Entry {
    const json* element;
    long order_at;  // where `order` has it, or -1
    long base_at;   // where `base` has it, or -1
  };
  std::vector<Entry> named, others;
  for (const json& element : items) {
    if (!key.empty() && MergeKeyOf(element, key) == nullptr) Fail(path, NoMergeKey(key));
    Entry entry{&element, IndexIn(order, element, key), IndexIn(base, element, key)};
    (entry.order_at >= 0 ? named : others).push_back(entry);
  }
  std::stable_sort(named.begin(), named.end(),
                   [](const Entry& a, const Entry& b) { return a.order_at < b.order_at; });
  auto base_rank = [&base](const Entry& entry) {
    return entry.base_at < 0 ? static_cast<long>(base.size()) : entry.base_at;
  };
  std::stable_sort(others.begin(), others.end(),
                   [&](const Entry& a, const Entry& b) { return base_rank(a) < base_rank(b); });

  json result = json::array();
  size_t i = 0, j = 0;
  while (i < others.size() || j < named.size()) {
    bool take_other;
    if (j == named.size()) {
      take_other = true;
    } else if (i == others.size()) {
      take_other = false;
    } else {
      take_other =
          others[i].base_at >= 0 && named[j].base_at >= 0 && others[i].base_at < named[j].base_at;
    }
    result.push_back(*(take_other ? others[i++] : named[j++]).element);
  }
  return result;
}

// $setElementOrder must list the patch's elements (deletions aside) in the patch's order.
void CheckOrderMatchesPatch(const json& patch_list, const json& order, const std::string& key,
                            const std::string& path) {
  std::vector<const json*> named;
  for (const json& element : patch_list) {
    if (DirectiveOf(element) == nullptr) named.push_back(&element);
  }
  size_t p = 0;
  for (const json& entry : order) {
    if (p == named.size()) break;
    const json* a = key.empty() ? named[p] : MergeKeyOf(*named[p], key);
    const json* b = key.empty() ? &entry : MergeKeyOf(entry, key);
    if (a == nullptr || b == nullptr) Fail(path, NoMergeKey(key));
    if (*a == *b) ++p;
  }
  if (p < named.size())
    Fail(path, "the order in the patch list doesn't match $setElementOrder list");
}

json Merger::MergeObject(const json& original, const json& patch, const PatchSchema& schema,
                         const std::string& path) {
  Depth depth(depth_, path);
  if (const json* directive = DirectiveOf(patch)) {
    if (*directive == "replace") {
      json rest = patch;
      rest.erase(std::string(kPatchKey));
      return MergeObject(json::object(), rest, schema, path);
    }
    if (*directive == "delete") return json::object();
    Fail(Child(path, kPatchKey), "unknown patch type " + directive->dump() + " in an object");
  }
  json result = original.is_object() ? original : json::object();
  ApplyRetainKeys(result, patch, path);
  std::set<std::string> ordered = ApplyElementOrders(result, patch, schema, path);

  for (const auto& [key, value] : patch.items()) {
    if (IsDirectiveKey(key) || ordered.count(key) != 0) continue;
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    const std::string child = Child(path, key);
    const PatchField& field = schema.Field(key);
    auto live = result.find(key);
    std::optional<json> merged;
    if (live != result.end() && live->is_object() && value.is_object() && !field.replace) {
      merged = MergeObject(*live, value, SchemaOf(field), child);
    } else if (live != result.end() && live->is_array() && value.is_array() && field.merge) {
      merged = MergeList(*live, value, field, child);
    } else {
      merged = Materialize(value, field, child);
    }
    if (merged) {
      result[key] = std::move(*merged);
    } else {
      result.erase(key);
    }
  }
  ApplyPrimitiveDeletions(result, patch, path);
  return result;
}

std::optional<json> Merger::Materialize(const json& patch, const PatchField& field,
                                        const std::string& path) {
  if (patch.is_object()) {
    if (IsDeleteDirective(patch)) return std::nullopt;
    return MergeObject(json::object(), patch, SchemaOf(field), path);
  }
  if (!patch.is_array()) return patch;
  if (field.merge) return MergeList(json::array(), patch, field, path);
  Depth depth(depth_, path);
  json list = json::array();
  for (size_t i = 0; i < patch.size(); ++i) {
    if (auto element = Materialize(patch[i], ElementsOf(field), At(path, i))) {
      list.push_back(std::move(*element));
    }
  }
  return list;
}

json Merger::MergeList(const json& original, const json& patch, const PatchField& field,
                       const std::string& path) {
  MergedList merged = MergeListItems(original, patch, field, path);
  return PutInOrder(merged.items, merged.patch_order, merged.live_order, field.merge_key, path);
}

MergedList Merger::MergeListItems(const json& original, const json& patch, const PatchField& field,
                                  const std::string& path) {
  Depth depth(depth_, path);
  MergedList merged;
  if (!CheckElements(original, patch, field, path)) {
    // Primitives merge as a set: the live values, then the patch's new ones.
    for (const json* list : {&original, &patch}) {
      for (const json& value : *list) {
        if (std::find(merged.items.begin(), merged.items.end(), value) == merged.items.end()) {
          merged.items.push_back(value);
        }
      }
    }
    merged.patch_order.assign(patch.begin(), patch.end());
    merged.live_order.assign(original.begin(), original.end());
    merged.order_base = merged.live_order;
    return merged;
  }

  const std::string& key = field.merge_key;
  std::vector<json> items(original.begin(), original.end());
  bool replace = false;
  std::vector<size_t> plain;  // indexes of the patch's elements without a directive
  for (size_t i = 0; i < patch.size(); ++i) {
    const json* directive = DirectiveOf(patch[i]);
    if (directive == nullptr) {
      plain.push_back(i);
    } else if (*directive == "delete") {
      const json* value = MergeKeyOf(patch[i], key);
      if (value == nullptr) Fail(At(path, i), NoMergeKey(key));
      std::erase_if(items, [&](const json& item) {
        const json* item_value = MergeKeyOf(item, key);
        return item_value != nullptr && *item_value == *value;
      });
    } else if (*directive == "replace") {
      replace = true;
    } else if (*directive == "merge") {
      Fail(At(path, i), "merging lists cannot yet be specified in the patch");
    } else {
      Fail(At(path, i), "unknown patch type " + directive->dump() + " in a list element");
    }
  }
  const size_t live_left = items.size();

  if (replace) {
    // The patch's other elements become the whole list, in the patch's order.
    merged.order_base = items;
    for (size_t i : plain) {
      if (MergeKeyOf(patch[i], key) == nullptr) Fail(At(path, i), NoMergeKey(key));
      merged.items.push_back(MergeObject(json::object(), patch[i], SchemaOf(field), At(path, i)));
    }
    merged.live_order = merged.items;
    return merged;
  }

  for (size_t i : plain) {
    const json* value = MergeKeyOf(patch[i], key);
    if (value == nullptr) Fail(At(path, i), NoMergeKey(key));
    auto match = std::find_if(items.begin(), items.end(), [&](const json& item) {
      const json* item_value = MergeKeyOf(item, key);
      return item_value != nullptr && *item_value == *value;
    });
    if (match != items.end()) {
      *match = MergeObject(*match, patch[i], SchemaOf(field), At(path, i));
    } else {
      items.push_back(MergeObject(json::object(), patch[i], SchemaOf(field), At(path, i)));
    }
    merged.patch_order.push_back(patch[i]);
  }
  merged.live_order.assign(items.begin(), items.begin() + static_cast<long>(live_left));
  merged.order_base.assign(
      items.begin(), items.begin() + static_cast<long>(std::min(original.size(), items.size())));
  merged.items = std::move(items);
  return merged;
}

void Merger::ApplyRetainKeys(json& result, const json& patch, const std::string& path) {
  auto directive = patch.find(kRetainKeys);
  if (directive == patch.end()) return;
  const std::string where = Child(path, kRetainKeys);
  if (!directive->is_array()) Fail(where, "$retainKeys must be a list of field names");
  std::set<std::string, std::less<>> keep;
  for (const json& name : *directive) {
    if (!name.is_string()) Fail(where, "$retainKeys must be a list of field names");
    keep.insert(name.get<std::string>());
  }
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null() || IsDirectiveKey(key)) continue;
    if (keep.count(key) == 0) {
      Fail(where, "the patch sets \"" + key + "\", which $retainKeys does not list");
    }
  }
  for (auto it = result.begin(); it != result.end();) {
    it = keep.count(it.key()) == 0 ? result.erase(it) : std::next(it);
  }
}

std::set<std::string> Merger::ApplyElementOrders(json& result, const json& patch,
                                                 const PatchSchema& schema,
                                                 const std::string& path) {
  std::set<std::string> ordered;
  for (const auto& [directive_key, order] : patch.items()) {
    if (!StartsWith(directive_key, kSetElementOrder)) continue;
    const std::string where = Child(path, directive_key);
    const std::string name = directive_key.substr(kSetElementOrder.size());
    if (name.empty()) Fail(where, "$setElementOrder must name a list");
    if (!order.is_array()) Fail(where, "$setElementOrder must be a list");
    const PatchField& field = schema.Field(name);
    // Only merging lists keep elements the patch does not send, so only they need ordering.
    if (!field.merge) continue;

    auto live = result.find(name);
    const bool have_live = live != result.end() && live->is_array();
    auto patch_list = patch.find(name);
    const bool have_patch = patch_list != patch.end() && patch_list->is_array();
    if (patch_list != patch.end() && !have_patch) continue;  // null or a scalar replaces the list
    if (!have_live && !have_patch) continue;

    const std::string list_path = Child(path, name);
    const json empty = json::array();
    const json& live_list = have_live ? *live : empty;
    const json& patch_items = have_patch ? *patch_list : empty;
    const bool objects = CheckElements(live_list, patch_items, field, list_path);
    const std::string key = objects ? field.merge_key : "";
    for (const json& entry : order) {
      if (objects ? MergeKeyOf(entry, key) == nullptr : entry.is_structured()) {
        Fail(where, objects ? NoMergeKey(key) : "$setElementOrder of primitives lists values");
      }
    }
    CheckOrderMatchesPatch(patch_items, order, key, where);

    std::vector<json> items, base;
    if (have_patch) {
      MergedList merged = MergeListItems(live_list, patch_items, field, list_path);
      json in_patch_order =
          PutInOrder(merged.items, merged.patch_order, merged.live_order, key, list_path);
      items.assign(in_patch_order.begin(), in_patch_order.end());
      if (have_live) base = std::move(merged.order_base);
    } else {
      items.assign(live_list.begin(), live_list.end());
      base = items;
    }
    result[name] =
        PutInOrder(items, std::vector<json>(order.begin(), order.end()), base, key, list_path);
    ordered.insert(name);
  }
  return ordered;
}

void Merger::ApplyPrimitiveDeletions(json& result, const json& patch, const std::string& path) {
  for (const auto& [directive_key, values] : patch.items()) {
    if (!StartsWith(directive_key, kDeleteFromPrimitiveList)) continue;
    const std::string where = Child(path, directive_key);
    const std::string name = directive_key.substr(kDeleteFromPrimitiveList.size());
    if (name.empty()) Fail(where, "$deleteFromPrimitiveList must name a list");
    if (!values.is_array()) Fail(where, "$deleteFromPrimitiveList must be a list of values");
    for (const json& value : values) {
      if (value.is_structured()) Fail(where, "$deleteFromPrimitiveList must list primitives");
    }
    auto live = result.find(name);
    if (live == result.end() || !live->is_array()) continue;
    for (const json& element : *live) {
      if (element.is_structured()) {
        Fail(where, "$deleteFromPrimitiveList applies only to lists of primitives");
      }
    }
    json kept = json::array();
    for (const json& element : *live) {
      if (std::find(values.begin(), values.end(), element) == values.end()) kept.push_back(element);
    }
    *live = std::move(kept);
  }
}

// The schema table, from the patchStrategy/patchMergeKey tags of k8s.io/api.

PatchField MergeByKey(std::string key, SchemaPtr elements = nullptr) {
  PatchField field;
  field.merge = true;
  field.merge_key = std::move(key);
  field.schema = std::move(elements);
  return field;
}

PatchField MergeAsSet() {
  PatchField field;
  field.merge = true;
  return field;
}

PatchField Nested(SchemaPtr schema) {
  PatchField field;
  field.schema = std::move(schema);
  return field;
}

SchemaPtr Fields(std::initializer_list<std::pair<const std::string, PatchField>> fields) {
  auto schema = std::make_shared<PatchSchema>();
  schema->fields.insert(fields.begin(), fields.end());
  return schema;
}

using KindKey = std::pair<std::string, std::string>;  // group, kind

std::map<KindKey, SchemaPtr> BuildTable() {
  SchemaPtr meta = Fields({{"finalizers", MergeAsSet()}, {"ownerReferences", MergeByKey("uid")}});
  SchemaPtr container = Fields({{"ports", MergeByKey("containerPort")},
                                {"env", MergeByKey("name")},
                                {"volumeMounts", MergeByKey("mountPath")},
                                {"volumeDevices", MergeByKey("devicePath")}});
  SchemaPtr pod_spec = Fields({{"containers", MergeByKey("name", container)},
                               {"initContainers", MergeByKey("name", container)},
                               {"ephemeralContainers", MergeByKey("name", container)},
                               {"volumes", MergeByKey("name")},
                               {"imagePullSecrets", MergeByKey("name")},
                               {"hostAliases", MergeByKey("ip")},
                               {"topologySpreadConstraints", MergeByKey("topologyKey")},
                               {"schedulingGates", MergeByKey("name")},
                               {"resourceClaims", MergeByKey("name")}});
  SchemaPtr pod_status = Fields({{"conditions", MergeByKey("type")},
                                 {"podIPs", MergeByKey("ip")},
                                 {"hostIPs", MergeByKey("ip")},
                                 {"resourceClaimStatuses", MergeByKey("name")}});
  SchemaPtr pod_template = Fields({{"metadata", Nested(meta)}, {"spec", Nested(pod_spec)}});
  SchemaPtr conditions = Fields({{"conditions", MergeByKey("type")}});
  SchemaPtr with_template = Fields({{"template", Nested(pod_template)}});

  auto object = [&](SchemaPtr spec = nullptr, SchemaPtr status = nullptr) {
    return Fields({{"metadata", Nested(meta)}, {"spec", Nested(spec)}, {"status", Nested(status)}});
  };
  SchemaPtr metadata_only = object();
  SchemaPtr workload = object(with_template, conditions);

  std::map<KindKey, SchemaPtr> table;
  table[{"", "Pod"}] = object(pod_spec, pod_status);
  table[{"", "PodTemplate"}] =
      Fields({{"metadata", Nested(meta)}, {"template", Nested(pod_template)}});
  table[{"", "ReplicationController"}] = workload;
  table[{"", "Node"}] =
      object(Fields({{"podCIDRs", MergeAsSet()}}),
             Fields({{"conditions", MergeByKey("type")}, {"addresses", MergeByKey("type")}}));
  table[{"", "Namespace"}] = object(nullptr, conditions);
  table[{"", "Service"}] = object(Fields({{"ports", MergeByKey("port")}}), conditions);
  table[{"", "PersistentVolumeClaim"}] = object(nullptr, conditions);
  table[{"", "ServiceAccount"}] =
      Fields({{"metadata", Nested(meta)}, {"secrets", MergeByKey("name")}});
  for (const char* kind : {"ConfigMap", "Secret", "Event", "Endpoints", "PersistentVolume",
                           "Binding", "LimitRange", "ResourceQuota"}) {
    table[{"", kind}] = metadata_only;
  }
  for (const char* kind : {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}) {
    table[{"apps", kind}] = workload;
  }
  table[{"batch", "Job"}] = workload;
  table[{"batch", "CronJob"}] = object(
      Fields({{"jobTemplate",
               Nested(Fields({{"metadata", Nested(meta)}, {"spec", Nested(with_template)}}))}}));
  table[{"autoscaling", "Scale"}] = metadata_only;
  table[{"coordination.k8s.io", "Lease"}] = metadata_only;
  table[{"events.k8s.io", "Event"}] = metadata_only;
  table[{"storage.k8s.io", "StorageClass"}] = metadata_only;
  table[{"storage.k8s.io", "CSIDriver"}] = metadata_only;
  table[{"storage.k8s.io", "CSINode"}] = object(Fields({{"drivers", MergeByKey("name")}}));
  return table;
}

}  // namespace

const PatchField& PatchSchema::Field(std::string_view name) const {
  static const PatchField kDefault;
  auto it = fields.find(name);
  return it == fields.end() ? kDefault : it->second;
}

std::shared_ptr<const PatchSchema> PatchSchemaFor(const std::string& group,
                                                  const std::string& kind) {
  static const std::map<KindKey, SchemaPtr> table = BuildTable();
  auto it = table.find({group, kind});
  return it == table.end() ? nullptr : it->second;
}

nlohmann::json StrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                   const PatchSchema& schema) {
  if (!patch.is_object()) throw PatchError("(root): a strategic merge patch must be an object");
  if (!original.is_object()) throw PatchError("(root): only an object can be patched");
  return Merger().MergeObject(original, patch, schema, "");
}

nlohmann::json StrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                   const std::string& group, const std::string& kind) {
  static const PatchSchema kMergePatchRules;
  std::shared_ptr<const PatchSchema> schema = PatchSchemaFor(group, kind);
  return StrategicMergePatch(original, patch, schema ? *schema : kMergePatchRules);
}

}  // namespace hostlet::apiserver
