// The PostgreSQL backend: data shared by every replica of the services. Calls
// share a pool of connections (libpq, blocking); each call takes one for its
// transaction and gives it back. Every connection runs with the server-side
// statement_timeout of StoreOptions, so no statement runs longer (waiting on a
// lock included: DEADLINE_EXCEEDED); StoreOptions' timeouts replace any the
// URL gives. A call waits up to the statement timeout for a free connection,
// then fails UNAVAILABLE. Ids and values travel as binary parameters: nothing
// is quoted, and PostgreSQL refuses text with a NUL byte (INVALID_ARGUMENT).
//
// Failures: a connection the server dropped fails its call with UNAVAILABLE
// and is reconnected by the next call that takes it (an idle connection the
// server closed is noticed and reconnected before use), so the store recovers
// by itself when the server comes back. Shared() is true.
#ifndef YOGA_SERVICES_STORAGE_POSTGRES_STORE_H_
#define YOGA_SERVICES_STORAGE_POSTGRES_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/storage/store.h"
#include "services/storage/store_url.h"

namespace yoga::storage {

// Connects (one connection now, the rest of the pool when calls need them)
// and brings the schema up to date. UNAVAILABLE when it cannot connect,
// FAILED_PRECONDITION when a newer program has migrated the database.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresUrl& url, const StoreOptions& options);

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_POSTGRES_STORE_H_
