#pragma once
// Opens what the pipeline delivers with: the site profile the config names, the message mapper
// built on it (with each listener's default charset), and the CRM store. Shared by `serve` and
// the operator commands that read the archive.
#include <map>
#include <memory>
#include <string>

#include "adapters/crmstore/crm_store.hpp"
#include "gateway/config/config.hpp"
#include "gateway/core/expected.hpp"
#include "gateway/pipeline/message_mapper.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::runtime {

struct Delivery {
  std::unique_ptr<sites::SiteProfile> site;  // null without a site file
  std::unique_ptr<pipeline::MessageMapper> mapper;
  crmstore::CrmStorePtr store;
};

Expected<std::unique_ptr<sites::SiteProfile>, std::string> open_site(const std::string& path);
// Each listener's default_charset, by listener name, for a MessageMapper.
std::map<std::string, hl7v2::Charset> listener_charsets(const config::GatewayConfig& config);
Expected<crmstore::CrmStorePtr, std::string> open_crm_store(const config::CrmStoreConfig& config);
Expected<Delivery, std::string> open_delivery(const config::GatewayConfig& config);

}  // namespace medgw::runtime
