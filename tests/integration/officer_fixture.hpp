// A fresh database with the officers' storage over it, for the tests of the analyser and of traveller
// lookups: the store, the OfficerStore, the analysis rules (home country ALB), and the helpers both use.
#pragma once

#include "pg_fixture.hpp"
#include "server/service/anomalies.hpp"
#include "server/storage/officer_store.hpp"
#include "server/storage/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::test {

class OfficerDatabase : public FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        store = std::make_unique<server::Store>(url());
        officers = std::make_unique<server::OfficerStore>(*store);
        rules.stay.home_country = "ALB";
    }
    void TearDown() override {
        officers.reset();
        store.reset();
        FreshDatabase::TearDown();
    }

    void insert(const std::vector<core::Crossing>& crossings) {
        std::vector<const core::Crossing*> pointers;
        for (const auto& x : crossings) pointers.push_back(&x);
        for (const auto status : store->insert_crossings(pointers)) ASSERT_EQ(status, server::InsertStatus::stored);
    }

    // "kind:state" of the anomalies of `crossing_id`, sorted.
    std::vector<std::string> anomalies_of(const std::string& crossing_id) {
        std::vector<std::string> out;
        for (const auto& r : run("SELECT kind || ':' || state FROM anomalies WHERE crossing_id = $1::uuid", crossing_id))
            out.push_back(r[0].as<std::string>());
        std::sort(out.begin(), out.end());
        return out;
    }

    std::unique_ptr<server::Store> store;
    std::unique_ptr<server::OfficerStore> officers;
    server::service::AnalysisRules rules;
};

}  // namespace borderlog::test
