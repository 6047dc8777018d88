// Runs storage work on the Pool's threads and resumes the calling coroutine on its own executor
// when the result is ready: the I/O threads never wait on PostgreSQL.
#pragma once

#include "server/storage/pool.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>

namespace borderlog::server::http {

// The database cannot be reached now (connection lost, timed out, none to be had): the answer is 503,
// the details go to the log only. Any other database failure travels on as it is: a logged 500.
class StorageUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
inline std::exception_ptr as_storage_error(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        if (is_unavailable(e)) return std::make_exception_ptr(StorageUnavailable(loggable(e)));
        if (is_database_error(e)) return std::make_exception_ptr(std::runtime_error(loggable(e)));
        return error;
    } catch (...) {
        return error;
    }
}
}  // namespace detail

template <class R>
boost::asio::awaitable<R> on_db(Pool& pool, std::function<R(Store&)> fn) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
        [&pool](auto handler, std::function<R(Store&)> work) {
            auto executor = boost::asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            const bool queued = pool.submit([shared, executor, work = std::move(work)](Store* store) {
                std::exception_ptr error;
                R result{};
                try {
                    if (!store) throw DatabaseUnavailable("no database connection");
                    result = work(*store);
                } catch (...) {
                    error = detail::as_storage_error(std::current_exception());
                }
                boost::asio::post(executor, [shared, error, result = std::move(result)]() mutable {
                    (*shared)(error, std::move(result));
                });
            });
            if (!queued)
                boost::asio::post(executor, [shared] {
                    (*shared)(std::make_exception_ptr(StorageUnavailable("the database work queue is full")), R{});
                });
        },
        boost::asio::use_awaitable, std::move(fn));
}

// One crossing through the group-commit queue; resumes after its transaction committed.
inline boost::asio::awaitable<InsertStatus> insert_on_db(Pool& pool, const core::Crossing& crossing) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr, InsertStatus)>(
        [&pool, &crossing](auto handler) {
            auto executor = boost::asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            const bool queued =
                pool.submit_insert(&crossing, [shared, executor](InsertStatus status, std::exception_ptr error) {
                    if (error) error = detail::as_storage_error(error);
                    boost::asio::post(executor, [shared, status, error]() mutable { (*shared)(error, status); });
                });
            if (!queued)
                boost::asio::post(executor, [shared] {
                    (*shared)(std::make_exception_ptr(StorageUnavailable("the database work queue is full")),
                              InsertStatus::stored);
                });
        },
        boost::asio::use_awaitable);
}

}  // namespace borderlog::server::http
