// Building answers and reading requests, shared by every route module: JSON and problem+json answers,
// the JSON body, roles.
#pragma once

#include "server/http/http_types.hpp"
#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <initializer_list>
#include <string>

namespace borderlog::server::http {

Response json_response(unsigned status, const boost::json::value& body, const Request& req);
Response empty_response(unsigned status, const Request& req);
// `content_type` is sent as given: callers pass constants, never client text.
Response text_response(unsigned status, std::string body, const char* content_type, const Request& req);
Response problem_response(const Problem& p, unsigned version, bool keep_alive);

// The request's JSON body. Throws Problem 415 for another media type, 400 invalid_json when unreadable.
boost::json::value parse_body(const Request& req);

Problem forbidden(std::string detail);
Problem not_found();
Problem invalid_field(const std::string& field, const std::string& message);

// Throws Problem 403 unless the caller has one of `roles`.
void require_role(const Principal& caller, std::initializer_list<const char*> roles);

// The year of today's date in UTC (for two-digit MRZ years).
int current_year();

}  // namespace borderlog::server::http
