#pragma once
// Demo data for `twitchwatch serve --demo` (service-api calls load_demo and prints the login).
//
// A clinic, one therapist login, five clients with a session each and check-ins spread over the
// days after their massage, one with a red flag. Every check-in is assessed by the real engine and
// stored with its knowledge version. All or nothing: the demo is written in one transaction
// (Store::in_transaction), so a failure halfway leaves nothing of it. Idempotent: when the demo
// therapist exists, nothing is added.

#include <functional>
#include <string>

#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store {

struct DemoLogin {
    std::string email;
    std::string password;  // known on purpose: it is printed on the console
    Id clinic_id = 0;
    bool created = false;  // false when the demo data was already there
};

// hash_password turns the demo password into the stored hash (the service's Argon2id function),
// so the store does not depend on the service's choice of hashing. now: the current time; the
// demo sessions and check-ins are placed in the days before it.
DemoLogin load_demo(Store& store, const assess::Engine& engine,
                    const std::function<std::string(const std::string&)>& hash_password,
                    Timestamp now);

}  // namespace twitchwatch::store
