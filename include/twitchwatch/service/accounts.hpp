#pragma once
// Public API of the therapists' accounts, behind `twitchwatch therapist`: a clinic adds its
// therapists, lists them and sets a new password. The server only signs them in; an account is
// made by whoever runs the service, on its database, not over HTTP.
//
// Every text is checked by the rules the HTTP API applies (an InputError names the field:
// "clinic", "email", "name" or "password"), and every change is one transaction.

#include <string>

#include "twitchwatch/store/store.hpp"

namespace twitchwatch::service {

struct NewTherapist {
    std::string clinic;          // the clinic's name
    bool create_clinic = false;  // make the clinic when none has that name
    std::string email;           // kept normalised (store::normalized_email)
    std::string name;
    std::string password;  // at least 10 characters; kept only as its Argon2id hash
};

struct AddedTherapist {
    store::Therapist therapist;
    store::Clinic clinic;
    bool clinic_created = false;
};

// The clinic (made when asked and missing) and the therapist in one transaction: an e-mail
// already taken (store::Conflict) leaves no new clinic behind.
AddedTherapist add_therapist(store::Store& store, const NewTherapist& request);

// A new password for the therapist with that e-mail (in any letter case); every browser signed in
// as them must sign in again. Returns the therapist.
store::Therapist set_therapist_password(store::Store& store, const std::string& email,
                                        const std::string& password);

}  // namespace twitchwatch::service
