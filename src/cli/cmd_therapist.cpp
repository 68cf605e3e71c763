// `twitchwatch therapist add|list|password`: the therapists' accounts on the service's database.
// The service signs therapists in but makes no accounts over HTTP: whoever runs it makes them
// here, on the same --db.

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/service/accounts.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::cli {
namespace {

using nlohmann::json;

// Terminal echo off for a scope (the password is not shown as it is typed); restored however the
// scope ends.
class EchoOff {
  public:
    EchoOff() : active_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
        if (!active_) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ~EchoOff() {
        if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

std::string line_without_return(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// The password: the first line of standard input with --password-stdin (for scripts; never an
// argument, which other users see in the process list), else typed twice on a terminal.
std::string read_password(bool from_stdin, const std::string& email) {
    std::string line;
    if (from_stdin) {
        if (!std::getline(std::cin, line)) {
            throw InputError("password: standard input is empty (--password-stdin reads one line)");
        }
        return line_without_return(line);
    }
    if (isatty(STDIN_FILENO) != 1) {
        throw InputError(
            "password: standard input is not a terminal; give the password on it with "
            "--password-stdin");
    }
    std::string again;
    {
        const EchoOff quiet;
        std::cerr << "New password for " << email << ": " << std::flush;
        std::getline(std::cin, line);
        std::cerr << "\nThe same again: " << std::flush;
        std::getline(std::cin, again);
        std::cerr << "\n";
    }
    if (line != again) throw InputError("password: the two entries differ");
    return line_without_return(line);
}

json therapist_json(const store::Therapist& therapist) {
    return {{"id", therapist.id}, {"email", therapist.email}, {"name", therapist.name}};
}

// A database that cannot be opened or written is a failure (exit 1), said as such rather than
// as an internal error.
template <class Work>
int with_store(const std::string& db, Work work) {
    std::unique_ptr<store::Store> opened;
    try {
        opened = store::open_store(db);
        return work(*opened);
    } catch (const store::StoreError& e) {
        std::cerr << "twitchwatch: database " << (db.empty() ? store::kDefaultDatabase : db) << ": "
                  << e.what() << "\n";
        return kExitFailure;
    }
}

struct Settings {
    std::string db;
    bool json = false;
    bool password_stdin = false;
    service::NewTherapist therapist;
};

void add_db_option(CLI::App* sub, Settings& settings) {
    sub->add_option("--db", settings.db,
                    "Database: as `serve --db` (default ./data/twitchwatch.sqlite3)");
}

Command add_add_command(CLI::App* parent, const std::shared_ptr<Settings>& settings) {
    auto* sub = parent->add_subcommand("add", "Add a therapist's account to a clinic");
    sub->add_option("--clinic", settings->therapist.clinic, "The clinic's name")->required();
    sub->add_flag("--new-clinic", settings->therapist.create_clinic,
                  "Make the clinic when no clinic has that name");
    sub->add_option("--email", settings->therapist.email, "Login e-mail (any letter case)")
        ->required();
    sub->add_option("--name", settings->therapist.name, "The therapist's name")->required();
    sub->add_flag("--password-stdin", settings->password_stdin,
                  "Read the password from the first line of standard input (else it is asked "
                  "for on the terminal)");
    add_db_option(sub, *settings);
    sub->add_flag("--json", settings->json,
                  "Print {therapist: {id, email, name}, clinic: {id, name}, clinic_created}");
    return {sub, [settings] {
                auto request = settings->therapist;
                request.password = read_password(settings->password_stdin, request.email);
                return with_store(settings->db, [&](store::Store& store) {
                    const auto added = service::add_therapist(store, request);
                    if (settings->json) {
                        std::cout << json{{"therapist", therapist_json(added.therapist)},
                                          {"clinic",
                                           {{"id", added.clinic.id}, {"name", added.clinic.name}}},
                                          {"clinic_created", added.clinic_created}}
                                  << "\n";
                    } else {
                        std::cout << "added " << added.therapist.email << " ("
                                  << added.therapist.name << ") to "
                                  << (added.clinic_created ? "the new clinic '" : "clinic '")
                                  << added.clinic.name << "'\n";
                    }
                    return kExitOk;
                });
            }};
}

Command add_list_command(CLI::App* parent, const std::shared_ptr<Settings>& settings) {
    auto* sub = parent->add_subcommand("list", "List the clinics and their therapists");
    add_db_option(sub, *settings);
    sub->add_flag("--json", settings->json,
                  "Print {clinics: [{id, name, therapists: [{id, email, name}]}]}");
    return {sub, [settings] {
                return with_store(settings->db, [&](store::Store& store) {
                    std::map<store::Id, json> therapists_of;
                    for (const auto& therapist : store.list_therapists()) {
                        therapists_of[therapist.clinic_id].push_back(therapist_json(therapist));
                    }
                    json clinics = json::array();
                    for (const auto& clinic : store.list_clinics()) {
                        const auto found = therapists_of.find(clinic.id);
                        clinics.push_back(
                            {{"id", clinic.id},
                             {"name", clinic.name},
                             {"therapists",
                              found == therapists_of.end() ? json::array() : found->second}});
                    }
                    if (settings->json) {
                        std::cout << json{{"clinics", clinics}} << "\n";
                        return kExitOk;
                    }
                    if (clinics.empty()) std::cout << "no clinics yet\n";
                    for (const auto& clinic : clinics) {
                        std::cout << "clinic '" << clinic["name"].get<std::string>() << "'\n";
                        for (const auto& therapist : clinic["therapists"]) {
                            std::cout << "  " << therapist["email"].get<std::string>() << "  "
                                      << therapist["name"].get<std::string>() << "\n";
                        }
                    }
                    return kExitOk;
                });
            }};
}

Command add_password_command(CLI::App* parent, const std::shared_ptr<Settings>& settings) {
    auto* sub = parent->add_subcommand(
        "password", "Set a therapist's new password (every browser signed in as them signs out)");
    sub->add_option("--email", settings->therapist.email, "The therapist's login e-mail")
        ->required();
    sub->add_flag("--password-stdin", settings->password_stdin,
                  "Read the password from the first line of standard input (else it is asked "
                  "for on the terminal)");
    add_db_option(sub, *settings);
    return {sub, [settings] {
                const auto& email = settings->therapist.email;
                const auto password = read_password(settings->password_stdin, email);
                return with_store(settings->db, [&](store::Store& store) {
                    const auto therapist = service::set_therapist_password(store, email, password);
                    std::cout << "new password set for " << therapist.email
                              << "; their browsers are signed out\n";
                    return kExitOk;
                });
            }};
}

}  // namespace

Command add_therapist_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "therapist", "Therapists' accounts on the service's database: add, list, password");
    sub->require_subcommand(1);
    auto settings = std::make_shared<Settings>();
    const std::vector<Command> actions{add_add_command(sub, settings),
                                       add_list_command(sub, settings),
                                       add_password_command(sub, settings)};
    return {sub, [actions] {
                for (const auto& action : actions) {
                    if (action.app->parsed()) return action.run();
                }
                return kExitBadInput;
            }};
}

}  // namespace twitchwatch::cli
