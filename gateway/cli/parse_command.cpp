// `medgw parse [--json] [--charset NAME] [--replace-invalid] FILE...`: prints each message's
// structure, or a JSON tree; a malformed message prints its located error and the exit status is
// 1. Files may hold one message, several, or a batch.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/message_json.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"

namespace medgw::cli {
namespace {

struct ParseArgs {
  std::vector<std::string> files;
  bool json = false;
  std::string charset;
  bool replace_invalid = false;
};

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {b.GetString(), b.GetSize()};
}

std::string error_json(const hl7v2::ParseError& e, std::size_t file_offset) {
  std::string s = "{\"code\":" + json_string(hl7v2::to_string(e.code));
  s += ",\"offset\":" + std::to_string(file_offset + e.offset);
  if (!e.segment.empty()) s += ",\"segment\":" + json_string(e.segment);
  if (e.segment_index) s += ",\"segment_index\":" + std::to_string(e.segment_index);
  if (e.field) s += ",\"field\":" + std::to_string(e.field);
  s += ",\"message\":" + json_string(e.message) + "}";
  return s;
}

std::string printable(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void print_structure(const hl7v2::Message& m) {
  for (std::size_t i = 0; i < m.segment_count(); ++i) {
    hl7v2::Segment seg = m.segment(i);
    std::cout << "  " << seg.name() << "\n";
    const bool header = seg.name() == "MSH";
    for (std::size_t f = 1; f <= seg.field_count(); ++f) {
      hl7v2::Field field = seg.field(f);
      if (field.empty()) continue;
      std::string base = std::string(seg.name()) + "-" + std::to_string(f);
      if ((header && f <= 2) || field.is_null()) {
        std::printf("    %-18s %s\n", base.c_str(), field.is_null() ? "\"\" (explicit null)" : std::string(field.raw()).c_str());
        continue;
      }
      std::size_t reps = field.repetition_count();
      for (std::size_t r = 1; r <= reps; ++r) {
        hl7v2::Repetition rep = field.repetition(r);
        std::string rlabel = base + (reps > 1 ? "[" + std::to_string(r) + "]" : "");
        std::size_t comps = rep.component_count();
        for (std::size_t c = 1; c <= comps; ++c) {
          hl7v2::Component comp = rep.component(c);
          std::size_t subs = comp.subcomponent_count();
          for (std::size_t s = 1; s <= subs; ++s) {
            std::string value = subs == 1 ? comp.value() : comp.subvalue(s);
            if (value.empty()) continue;
            std::string label = rlabel + (comps > 1 ? "." + std::to_string(c) : "") +
                                (subs > 1 ? "." + std::to_string(s) : "");
            std::printf("    %-18s %s\n", label.c_str(), printable(value).c_str());
          }
        }
      }
    }
  }
}

int run(const ParseArgs& args) {
  hl7v2::ParseOptions options;
  if (!args.charset.empty()) {
    auto cs = hl7v2::find_charset(args.charset);
    if (!cs) {
      std::cerr << "medgw parse: unknown charset '" << args.charset << "'\n";
      return 2;
    }
    options.default_charset = *cs;
  }
  if (args.replace_invalid) options.invalid_bytes = hl7v2::InvalidBytes::kReplace;

  int status = 0;
  bool first_json = true;
  if (args.json) std::cout << "[";
  auto emit_json = [&](const std::string& item) {
    std::cout << (first_json ? "\n" : ",\n") << item;
    first_json = false;
  };
  for (const std::string& path : args.files) {
    auto data = read_file(path);
    if (!data) {
      std::cerr << "medgw parse: " << data.error() << "\n";
      status = 2;
      continue;
    }
    auto file = hl7v2::read_batch(*data);
    if (!file) {
      status = std::max(status, 1);  // 2 (a file could not be read) wins
      if (args.json) {
        emit_json("{\"file\":" + json_string(path) + ",\"error\":" + error_json(file.error(), 0) + "}");
      } else {
        std::cout << path << ": " << file.error().describe() << "\n";
      }
      continue;
    }
    auto spans = file->all_messages();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      auto m = hl7v2::Message::parse(spans[i].text, options);
      std::string where = "message " + std::to_string(i + 1) + " of " + std::to_string(spans.size()) +
                          " (byte " + std::to_string(spans[i].offset) + ")";
      if (!m) {
        status = std::max(status, 1);  // 2 (a file could not be read) wins
        if (args.json) {
          emit_json("{\"file\":" + json_string(path) + ",\"index\":" + std::to_string(i + 1) +
                    ",\"offset\":" + std::to_string(spans[i].offset) + ",\"error\":" + error_json(m.error(), spans[i].offset) + "}");
        } else {
          hl7v2::ParseError e = m.error();
          e.offset += spans[i].offset;  // report the offset in the file
          std::cout << path << ": " << where << ": error: " << e.describe() << "\n";
        }
        continue;
      }
      if (args.json) {
        emit_json("{\"file\":" + json_string(path) + ",\"index\":" + std::to_string(i + 1) +
                  ",\"offset\":" + std::to_string(spans[i].offset) + ",\"message\":" + message_to_json(*m, false) + "}");
      } else {
        std::cout << path << ": " << where << ": " << m->message_code() << "^" << m->trigger_event();
        if (!m->message_structure().empty()) std::cout << "^" << m->message_structure();
        std::cout << ", control id " << m->control_id() << ", version " << m->version() << ", charset "
                  << m->charset().name << ", " << m->segment_count() << " segments\n";
        print_structure(*m);
      }
    }
    if (spans.empty() && !args.json) std::cout << path << ": no messages (an empty batch)\n";
  }
  if (args.json) std::cout << (first_json ? "]\n" : "\n]\n");
  return status;
}

}  // namespace

void add_parse_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ParseArgs>();
  CLI::App* cmd = app.add_subcommand("parse", "Parse HL7 v2 files and print each message's structure");
  // No CLI::ExistingFile check: run() reports an unreadable file, goes on with the others and exits 2.
  cmd->add_option("files", args->files, "Files holding one message, several, or a batch")->required();
  cmd->add_flag("--json", args->json, "Print a JSON tree per message");
  cmd->add_option("--charset", args->charset, "Charset of messages without MSH-18 (e.g. GBK); default UTF-8");
  cmd->add_flag("--replace-invalid", args->replace_invalid, "Replace invalid bytes with U+FFFD instead of failing");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace medgw::cli
