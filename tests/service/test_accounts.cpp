// The public accounts API (twitchwatch/service/accounts.hpp) on a SQLite database of its own. The
// command over it, both backends and a login with the accounts: test_therapist_accounts.py.
#include "twitchwatch/service/accounts.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace tw = twitchwatch;
namespace {

class Accounts : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::path(TW_BINARY_DIR) / "tests" / "service" / "tmp" /
               ("accounts-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        store_ = tw::store::open_store("sqlite:" + (dir_ / "accounts.sqlite3").string());
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    // The field an InputError names, as the text before its first ':'.
    std::string refused_field(const tw::service::NewTherapist& request) {
        try {
            tw::service::add_therapist(*store_, request);
        } catch (const tw::InputError& error) {
            const std::string message = error.what();
            return message.substr(0, message.find(':'));
        }
        return "accepted";
    }

    std::filesystem::path dir_;
    std::unique_ptr<tw::store::Store> store_;
};

const tw::service::NewTherapist kAnna{"Praxis Nord", true, "Anna@Example.org", "Anna Berg",
                                      "calf-muscle-42"};

TEST_F(Accounts, AddMakesTheClinicWhenAskedAndKeepsTheEmailNormalised) {
    auto without_clinic = kAnna;
    without_clinic.create_clinic = false;
    EXPECT_EQ(refused_field(without_clinic), "clinic");
    EXPECT_TRUE(store_->list_clinics().empty());

    const auto added = tw::service::add_therapist(*store_, kAnna);
    EXPECT_TRUE(added.clinic_created);
    EXPECT_EQ(added.therapist.email, "anna@example.org");
    EXPECT_EQ(added.therapist.clinic_id, added.clinic.id);
    EXPECT_EQ(added.therapist.password_hash.rfind("$argon2id$", 0), 0u);

    auto colleague = kAnna;
    colleague.email = "ben@example.org";
    const auto second = tw::service::add_therapist(*store_, colleague);
    EXPECT_FALSE(second.clinic_created) << "the clinic of that name is joined, not made again";
    EXPECT_EQ(second.clinic.id, added.clinic.id);
}

TEST_F(Accounts, ATakenEmailLeavesNoNewClinicBehind) {
    tw::service::add_therapist(*store_, kAnna);
    auto elsewhere = kAnna;
    elsewhere.clinic = "Praxis Sued";
    elsewhere.email = "ANNA@example.org";
    EXPECT_THROW(tw::service::add_therapist(*store_, elsewhere), tw::store::Conflict);
    EXPECT_EQ(store_->list_clinics().size(), 1u);
}

TEST_F(Accounts, EachBadFieldIsNamed) {
    for (const auto& [field, change] :
         std::initializer_list<std::pair<std::string, void (*)(tw::service::NewTherapist&)>>{
             {"clinic", [](auto& r) { r.clinic = " "; }},
             {"email", [](auto& r) { r.email = "anna.example.org"; }},
             {"name", [](auto& r) { r.name = "Anna\x01"; }},
             {"name", [](auto& r) { r.name = "Ren\xe9"; }},
             {"password", [](auto& r) { r.password = "short"; }},
         }) {
        auto request = kAnna;
        change(request);
        EXPECT_EQ(refused_field(request), field);
    }
    EXPECT_TRUE(store_->list_therapists().empty());
}

TEST_F(Accounts, ANewPasswordReplacesTheHashAndEndsTheWebSessions) {
    const auto added = tw::service::add_therapist(*store_, kAnna);
    store_->create_web_session({"browser", added.therapist.id, "csrf", 4'000'000'000});
    const auto changed =
        tw::service::set_therapist_password(*store_, "ANNA@EXAMPLE.ORG", "new-calf-muscle-7");
    EXPECT_EQ(changed.id, added.therapist.id);
    const auto kept = store_->get_therapist(added.therapist.id);
    EXPECT_NE(kept->password_hash, added.therapist.password_hash);
    EXPECT_EQ(kept->password_hash, changed.password_hash);
    EXPECT_FALSE(store_->find_web_session("browser", 0));
    EXPECT_THROW(tw::service::set_therapist_password(*store_, "nobody@example.org", "long enough!"),
                 tw::InputError);
    EXPECT_THROW(tw::service::set_therapist_password(*store_, "anna@example.org", "short"),
                 tw::InputError);
}

}  // namespace
