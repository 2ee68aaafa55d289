#include "engine/store/messagestore.h"

#include <future>

namespace syncline::engine::store {

Result<IngestResult> MessageStore::ingest(const IngestRequest &request)
{
    std::promise<Result<IngestResult>> promise;
    std::future<Result<IngestResult>> future = promise.get_future();
    ingestAsync(request, [&promise](Result<IngestResult> result) {
        promise.set_value(std::move(result));
    });
    return future.get();
}

Result<void> MessageStore::completeStep(const StepResult &step)
{
    std::promise<Result<void>> promise;
    std::future<Result<void>> future = promise.get_future();
    completeStepAsync(step, [&promise](Result<void> result) { promise.set_value(std::move(result)); });
    return future.get();
}

} // namespace syncline::engine::store
