#include "twitchwatch/service/accounts.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "security.hpp"
#include "text_fields.hpp"

namespace twitchwatch::service {
namespace {

using detail::Presence;
using detail::Text;

// Text from a command line is any bytes; the rules count the characters of UTF-8, which the HTTP
// API's JSON parser guarantees. nlohmann's serialiser refuses invalid UTF-8: it is the check.
void require_utf8(const std::string& text, const std::string& field) {
    try {
        static_cast<void>(nlohmann::json(text).dump());
    } catch (const nlohmann::json::type_error&) {
        throw InputError(field + ": is not valid UTF-8");
    }
}

void require(const std::string& field, const std::optional<std::string>& problem) {
    if (problem) throw InputError(field + ": " + *problem);
}

std::string hashed_new_password(const std::string& password) {
    require_utf8(password, "password");
    require("password", detail::new_password_problem(password));
    init_crypto();
    return hash_password(password);
}

// The clinic of that name, made when asked and missing (inside the caller's transaction).
std::pair<store::Clinic, bool> clinic_named(store::Store& store, const NewTherapist& request) {
    std::vector<store::Clinic> named;
    for (const auto& clinic : store.list_clinics()) {
        if (clinic.name == request.clinic) named.push_back(clinic);
    }
    if (named.size() == 1) return {named.front(), false};
    if (named.size() > 1) {
        throw InputError("clinic: " + std::to_string(named.size()) + " clinics are named '" +
                         request.clinic + "'");
    }
    if (!request.create_clinic) {
        throw InputError("clinic: no clinic is named '" + request.clinic +
                         "' (it is made only when asked: --new-clinic)");
    }
    return {store.create_clinic({0, request.clinic}), true};
}

}  // namespace

AddedTherapist add_therapist(store::Store& store, const NewTherapist& request) {
    for (const auto& [text, field] : {std::pair{&request.clinic, "clinic"},
                                      {&request.email, "email"},
                                      {&request.name, "name"}}) {
        require_utf8(*text, field);
    }
    require("clinic", detail::text_problem(request.clinic, detail::kMaxNameLength, Text::name,
                                           Presence::required));
    require("email", detail::new_email_problem(request.email));
    require("name", detail::text_problem(request.name, detail::kMaxNameLength, Text::name,
                                         Presence::required));
    // Hashed before the transaction: Argon2id is slow, and SQLite's writers would wait for it.
    const std::string password_hash = hashed_new_password(request.password);
    AddedTherapist added;
    store.in_transaction([&](store::Store& writing) {
        std::tie(added.clinic, added.clinic_created) = clinic_named(writing, request);
        added.therapist = writing.create_therapist(
            {0, added.clinic.id, request.email, password_hash, request.name});
    });
    return added;
}

store::Therapist set_therapist_password(store::Store& store, const std::string& email,
                                        const std::string& password) {
    const auto not_found = [&] { return InputError("email: no therapist has '" + email + "'"); };
    auto therapist = store.find_therapist_by_email(email);
    if (!therapist) throw not_found();
    therapist->password_hash = hashed_new_password(password);
    if (!store.set_therapist_password(therapist->id, therapist->password_hash)) throw not_found();
    return *therapist;
}

}  // namespace twitchwatch::service
