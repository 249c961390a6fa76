// A real PostgreSQL server for tests, from Debian's postgresql package (the
// newest /usr/lib/postgresql/<version>/bin): a fresh cluster (initdb) in a
// temporary directory, listening only on 127.0.0.1 at a free port (its unix
// socket in that directory), superuser "yoga" trusted without a password, and
// an empty database "yoga". fsync is off: the data lives as long as the test.
//
// PostgreSQL refuses to run as root; when the test does (CI), the cluster
// belongs to nobody (uid/gid 65534) and every server program runs through
// setpriv as nobody. Every wait is bounded. Uses no libpq: the server's own
// programs (initdb, postgres, createdb, psql) do everything.
//
//   absl::StatusOr<std::unique_ptr<PostgresServer>> server =
//       PostgresServer::Start();               // about 1 s
//   OpenStore({.url = (*server)->url()});     //
//   "postgresql://yoga@127.0.0.1:PORT/yoga"
//   (*server)->Stop(); (*server)->Restart();  // same port, same data
#ifndef YOGA_TESTS_TESTING_POSTGRES_SERVER_H_
#define YOGA_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace yoga::testing {

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for
// port 0, closed again); 0 if none could be had.
int FreeLoopbackPort();

class PostgresServer {
 public:
  // The server programs are installed (and, as root, setpriv).
  static bool Available();
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();  // Stops the server at once and removes its directory.

  // "postgresql://yoga@127.0.0.1:PORT/yoga".
  std::string url() const { return DatabaseUrl("yoga"); }
  // The URL of another database on this server.
  std::string DatabaseUrl(absl::string_view database) const;
  int port() const { return port_; }
  // The cluster's directory (the data is in data/, the log in postgres.log).
  const std::string& directory() const { return directory_; }

  // Fast shutdown (open connections are closed); the data is kept.
  absl::Status Stop();
  // Starts again after Stop, on the same port with the same data.
  absl::Status Restart();

  // Creates an empty database `name` (letters, digits, '_'); returns its URL.
  absl::StatusOr<std::string> CreateDatabase(absl::string_view name);
  // Runs `sql` with psql on `database` as the superuser; returns what it
  // printed (unaligned, tuples only).
  absl::StatusOr<std::string> RunSql(absl::string_view database,
                                     absl::string_view sql);

 private:
  PostgresServer(std::string bin_directory, std::string directory);

  // Starts postgres on port_ and waits until it accepts connections.
  absl::Status StartServer();
  std::string Log() const;

  const std::string bin_directory_;
  const std::string directory_;
  int port_ = 0;
  pid_t pid_ = -1;  // The postmaster while it runs.
};

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_POSTGRES_SERVER_H_
