#include "server/service/audit.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

using Query = std::map<std::string, std::string>;

TEST(AuditFilter, NoParametersListTheFirstHundredEvents) {
    const AuditFilter f = parse_audit_filter({});
    EXPECT_FALSE(f.action || f.action_prefix || f.actor || f.token_id || f.from || f.to);
    EXPECT_EQ(f.limit, 100);
    EXPECT_EQ(f.after, 0);
}

TEST(AuditFilter, EveryFilterIsRead) {
    const AuditFilter f = parse_audit_filter({{"action", "central_offline.on"},
                                              {"actor", "duty desk"},
                                              {"token", "7"},
                                              {"from", "2026-11-27T00:00:00+01:00"},
                                              {"to", "2026-11-28T00:00:00Z"},
                                              {"limit", "1000"},
                                              {"after", "42"},
                                              {"format", "csv"},
                                              {"header", "false"}});
    EXPECT_EQ(f.action, "central_offline.on");
    EXPECT_FALSE(f.action_prefix);
    EXPECT_EQ(f.actor, "duty desk");
    EXPECT_EQ(f.token_id, 7);
    EXPECT_EQ(f.from, "2026-11-26T23:00:00.000Z");  // read in UTC
    EXPECT_EQ(f.to, "2026-11-28T00:00:00.000Z");
    EXPECT_EQ(f.limit, 1000);
    EXPECT_EQ(f.after, 42);
}

TEST(AuditFilter, TakesTokenIdAsTheEventsNameItForToken) {
    EXPECT_EQ(parse_audit_filter({{"token_id", "9"}}).token_id, 9);
}

TEST(AuditFilter, AnActionEndingInAStarIsAPrefix) {
    const AuditFilter f = parse_audit_filter({{"action", "token.*"}});
    EXPECT_FALSE(f.action);
    EXPECT_EQ(f.action_prefix, "token.");
}

struct BadQuery {
    Query query;
    std::string field;
};

class AuditFilterRefuses : public testing::TestWithParam<BadQuery> {};

TEST_P(AuditFilterRefuses, NamingTheParameterAtFault) {
    try {
        parse_audit_filter(GetParam().query);
        FAIL() << "accepted";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AuditFilterRefuses,
    testing::Values(BadQuery{{{"who", "x"}}, "who"}, BadQuery{{{"action", "Token.Create"}}, "action"},
                    BadQuery{{{"action", "*"}}, "action"}, BadQuery{{{"action", "token.**"}}, "action"},
                    BadQuery{{{"action", "drop table;"}}, "action"},
                    BadQuery{{{"actor", std::string(201, 'a')}}, "actor"},
                    BadQuery{{{"actor", "a\nb"}}, "actor"}, BadQuery{{{"actor", "\xff\xfe"}}, "actor"},
                    BadQuery{{{"token", "0"}}, "token"}, BadQuery{{{"token", "seven"}}, "token"},
                    BadQuery{{{"token_id", "x"}}, "token_id"}, BadQuery{{{"token", "1"}, {"token_id", "2"}}, "token_id"},
                    BadQuery{{{"from", "yesterday"}}, "from"}, BadQuery{{{"to", "2026-13-01T00:00:00Z"}}, "to"},
                    BadQuery{{{"limit", "0"}}, "limit"}, BadQuery{{{"limit", "1001"}}, "limit"},
                    BadQuery{{{"after", "-1"}}, "after"}, BadQuery{{{"format", "xml"}}, "format"},
                    BadQuery{{{"header", "yes"}}, "header"}));

AuditRow row(std::int64_t id, std::string action, std::string actor = "duty desk") {
    AuditRow r;
    r.id = id;
    r.at = "2026-11-27T10:42:05.123Z";
    r.token_id = 3;
    r.role = "admin";
    r.actor = std::move(actor);
    r.address = "10.0.0.5";
    r.action = std::move(action);
    r.detail_json = R"({"reason":"drill"})";
    return r;
}

TEST(AuditPage, AFullPageNamesTheCursorAndAShortOneDoesNot) {
    AuditFilter f;
    f.limit = 2;
    const auto full = audit_page({row(4, "a.b"), row(9, "c.d")}, f);
    EXPECT_EQ(full.at("next_after"), "9");
    ASSERT_EQ(full.at("events").as_array().size(), 2u);
    const auto& e = full.at("events").as_array()[1].as_object();
    EXPECT_EQ(e.at("id"), 9);
    EXPECT_EQ(e.at("action"), "c.d");
    EXPECT_EQ(e.at("detail").at("reason"), "drill");
    EXPECT_EQ(audit_page({row(4, "a.b")}, f).at("next_after"), nullptr);
}

TEST(AuditPage, MissingValuesAreNull) {
    AuditRow r = row(1, "token.create", "root");
    r.token_id.reset();
    r.role.clear();
    r.address.clear();
    const auto e = audit_event_json(r);
    EXPECT_EQ(e.at("token_id"), nullptr);
    EXPECT_EQ(e.at("role"), nullptr);
    EXPECT_EQ(e.at("address"), nullptr);
    EXPECT_EQ(e.at("actor"), "root");
}

TEST(AuditCsv, HasAHeaderAndQuotesAndDefusesCells) {
    const std::string csv = audit_csv({row(1, "session.sign_in", "=HYPERLINK(\"x\")")}, true);
    EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "id,at,action,actor,token_id,role,address,target,detail");
    EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos) << csv;
    EXPECT_NE(csv.find("\"{\"\"reason\"\":\"\"drill\"\"}\""), std::string::npos) << csv;
    EXPECT_EQ(audit_csv({row(1, "a.b")}, false).find("id,at"), std::string::npos);
}

TEST(CommandLineTokenEvent, NamesTheOperatingSystemUserAndNoAddress) {
    Principal token;
    token.token_id = 12;
    token.role = "device";
    token.checkpoint_id = "KAKAVIJE";
    token.device_id = "KAK-01";
    token.name = "lane 3";
    const AuditEvent e = command_line_token_event("token.create", token, "root", "alice");
    EXPECT_EQ(e.action, "token.create");
    EXPECT_EQ(e.actor, "root");
    EXPECT_EQ(e.token_id, 0);  // no token did it
    EXPECT_TRUE(e.address.empty());
    EXPECT_EQ(e.target, "token/12");
    const json::value detail = json::parse(e.detail_json);
    EXPECT_EQ(detail.at("role"), "device");
    EXPECT_EQ(detail.at("device_id"), "KAK-01");
    EXPECT_EQ(detail.at("sudo_user"), "alice");
    EXPECT_EQ(detail.at("via"), "command line");
}

}  // namespace
}  // namespace borderlog::server::service
