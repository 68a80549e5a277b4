#include "conformance/suite.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

namespace medgw::conformance {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxFileBytes = 4u << 20;

Expected<std::string, std::string> slurp(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return unexpected(path.string() + ": " + ec.message());
  if (size > kMaxFileBytes) return unexpected(path.string() + ": larger than 4 MiB");
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return unexpected(path.string() + ": cannot be read");
  return text;
}

std::string scalar(const YAML::Node& node, const char* key, std::string fallback = {}) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : fallback;
}

}  // namespace

Expected<Suite, std::string> load_suite(const std::string& directory) {
  const fs::path dir(directory);
  const fs::path file = dir / "suite.yaml";
  auto text = slurp(file);
  if (!text) return unexpected(text.error());
  Suite suite;
  suite.directory = directory;
  try {
    const YAML::Node root = YAML::Load(*text);
    suite.name = scalar(root, "name", dir.filename().string());
    suite.description = scalar(root, "description");
    suite.profile = scalar(root, "profile", "medgw");
    const YAML::Node steps = root["steps"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) return unexpected(file.string() + ": no steps");
    for (const YAML::Node& s : steps) {
      Step step;
      step.name = scalar(s, "name");
      step.message_file = scalar(s, "message");
      step.ack = scalar(s, "ack", "AA");
      if (step.name.empty() || step.message_file.empty()) {
        return unexpected(file.string() + ": every step needs a name and a message");
      }
      // Message files stay inside the suite: a suite handed over by someone else cannot read
      // other files through "../".
      const fs::path message_path = (dir / step.message_file).lexically_normal();
      if (fs::path(step.message_file).is_absolute() || step.message_file.find("..") != std::string::npos) {
        return unexpected(file.string() + ": step \"" + step.name + "\": the message file must be inside the suite");
      }
      auto bytes = slurp(message_path);
      if (!bytes) return unexpected(bytes.error());
      step.message = std::move(*bytes);
      for (const YAML::Node& e : s["errors"]) {
        ExpectedError err;
        err.code = e["code"] ? e["code"].as<int>() : 0;
        err.location = scalar(e, "location");
        step.errors.push_back(std::move(err));
      }
      for (const YAML::Node& a : s["archive"]) {
        ArchiveCheck check;
        check.patient = scalar(a, "patient");
        if (check.patient.empty()) return unexpected(file.string() + ": step \"" + step.name + "\": an archive check needs patient");
        check.absent = a["absent"] && a["absent"].as<bool>();
        for (const auto& kv : a["count"]) check.count[kv.first.as<std::string>()] = kv.second.as<std::size_t>();
        check.same_patient_as = scalar(a, "same_patient_as");
        for (const YAML::Node& c : a["contains"]) check.contains.push_back(c.as<std::string>());
        step.archive.push_back(std::move(check));
      }
      suite.steps.push_back(std::move(step));
    }
  } catch (const YAML::Exception& e) {
    return unexpected(file.string() + ": " + e.what());
  }
  return suite;
}

}  // namespace medgw::conformance
