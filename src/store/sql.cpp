// Row conversions and the connection pool shared by both backends.
#include "sql.hpp"

#include <charconv>

#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store::detail {

const std::string& Row::text(std::size_t column) const {
    const auto& cell = cells_.at(column);
    if (!cell) throw StoreError("unexpected NULL in column " + std::to_string(column));
    return *cell;
}

std::int64_t Row::integer(std::size_t column) const {
    const std::string& cell = text(column);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) {
        throw StoreError("not an integer in column " + std::to_string(column) + ": " + cell);
    }
    return value;
}

double Row::real(std::size_t column) const {
    const std::string& cell = text(column);
    double value = 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) {
        throw StoreError("not a number in column " + std::to_string(column) + ": " + cell);
    }
    return value;
}

bool Row::boolean(std::size_t column) const {
    const std::string& cell = text(column);
    if (cell == "1" || cell == "t" || cell == "true") return true;
    if (cell == "0" || cell == "f" || cell == "false") return false;
    throw StoreError("not a boolean in column " + std::to_string(column) + ": " + cell);
}

std::optional<std::int64_t> Row::optional_integer(std::size_t column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
}

std::string format_double(double value) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc()) throw StoreError("cannot format a number");
    return std::string(buffer, end);
}

Pool::Pool(Backend& backend, int capacity) : backend_(backend), capacity_(capacity) {}

Pool::Lease Pool::acquire() { return take(false); }
Pool::Lease Pool::acquire_new() { return take(true); }

Pool::Lease Pool::take(bool open_new) {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || open_ < capacity_; });
    std::unique_ptr<Connection> replaced;  // an idle connection whose place a new one takes
    if (open_ < capacity_ && (open_new || idle_.empty())) {
        ++open_;
    } else {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        if (!open_new) return Lease(*this, std::move(connection), true);
        replaced = std::move(connection);
    }
    lock.unlock();
    replaced.reset();  // closed outside the lock: it may wait on the network
    try {
        return Lease(*this, backend_.connect(), false);
    } catch (...) {
        lock.lock();
        --open_;
        available_.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(mutex_);
        if (connection->healthy()) {
            idle_.push_back(std::move(connection));
        } else {
            --open_;  // dropped; the next acquire opens a fresh one
        }
    }
    available_.notify_one();
}

Pool::Lease::~Lease() {
    if (connection_) pool_->give_back(std::move(connection_));
}

}  // namespace twitchwatch::store::detail
