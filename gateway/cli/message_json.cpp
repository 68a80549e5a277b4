#include "gateway/cli/message_json.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mappings/hl7v2/message.hpp"

namespace medgw::cli {
namespace {

template <class Writer>
void write_string(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class Writer>
void write_component(Writer& w, const hl7v2::Component& c) {
  std::size_t n = c.subcomponent_count();
  if (n <= 1) {
    write_string(w, c.value());
    return;
  }
  w.StartArray();
  for (std::size_t s = 1; s <= n; ++s) write_string(w, c.subvalue(s));
  w.EndArray();
}

template <class Writer>
void write_repetition(Writer& w, const hl7v2::Repetition& r) {
  std::size_t n = r.component_count();
  if (n <= 1) {
    write_component(w, r.component(1));
    return;
  }
  w.StartArray();
  for (std::size_t c = 1; c <= n; ++c) write_component(w, r.component(c));
  w.EndArray();
}

template <class Writer>
void write_message(Writer& w, const hl7v2::Message& m) {
  w.StartObject();
  w.Key("charset");
  write_string(w, std::string(m.charset().name));
  w.Key("delimiters");
  write_string(w, std::string(1, m.delimiters().field) + m.delimiters().encoding_characters());
  w.Key("segments");
  w.StartArray();
  for (std::size_t i = 0; i < m.segment_count(); ++i) {
    hl7v2::Segment seg = m.segment(i);
    w.StartObject();
    w.Key("id");
    write_string(w, std::string(seg.name()));
    w.Key("fields");
    w.StartArray();
    const bool header = seg.name() == "MSH";
    for (std::size_t f = 1; f <= seg.field_count(); ++f) {
      hl7v2::Field field = seg.field(f);
      if (header && f <= 2) {
        write_string(w, std::string(field.raw()));
      } else if (field.empty()) {
        w.Null();
      } else if (field.is_null()) {
        w.StartObject();
        w.Key("null");
        w.Bool(true);
        w.EndObject();
      } else {
        w.StartArray();
        for (std::size_t r = 1; r <= field.repetition_count(); ++r) write_repetition(w, field.repetition(r));
        w.EndArray();
      }
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string message_to_json(const hl7v2::Message& message, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    write_message(w, message);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    write_message(w, message);
  }
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace medgw::cli
