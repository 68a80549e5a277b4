#include "gateway/runtime/open_delivery.hpp"

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "mappings/sites/site_loader.hpp"

namespace medgw::runtime {

Expected<std::unique_ptr<sites::SiteProfile>, std::string> open_site(const std::string& path) {
  if (path.empty()) return std::unique_ptr<sites::SiteProfile>();
  auto profile = sites::load_site_profile(path);
  if (!profile) return unexpected("site file: " + profile.error());
  return std::make_unique<sites::SiteProfile>(std::move(*profile));
}

std::map<std::string, hl7v2::Charset> listener_charsets(const config::GatewayConfig& config) {
  std::map<std::string, hl7v2::Charset> charsets;
  for (const auto& l : config.listeners) {
    if (l.default_charset) charsets.emplace(l.name, *l.default_charset);
  }
  return charsets;
}

Expected<crmstore::CrmStorePtr, std::string> open_crm_store(const config::CrmStoreConfig& config) {
  auto store = crmstore::open_sqlite_crm_store(config.path, config.survivorship);
  if (!store) return unexpected("cannot open the CRM store '" + config.path + "': " + store.error());
  return std::move(*store);
}

Expected<Delivery, std::string> open_delivery(const config::GatewayConfig& config) {
  Delivery d;
  auto site = open_site(config.site);
  if (!site) return unexpected(site.error());
  d.site = std::move(*site);
  if (d.site) {
    // A row mapping for a source the config does not poll is a typo that would leave that
    // source's rows parked as unmapped: refused before anything is polled.
    for (const auto& [name, mapping] : d.site->db_rows) {
      bool polled = false;
      for (const auto& s : config.db_sources) polled = polled || s.name == name;
      if (!polled) {
        return unexpected("site file: " + d.site->file + ": db_rows." + name + ": no db_sources entry is named '" +
                          name + "'");
      }
    }
  }
  d.mapper = std::make_unique<pipeline::MessageMapper>(d.site.get(), listener_charsets(config));
  auto store = open_crm_store(config.crm_store);
  if (!store) return unexpected(store.error());
  d.store = std::move(*store);
  return d;
}

}  // namespace medgw::runtime
