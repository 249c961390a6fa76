#include "services/storage/store_url.h"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::storage {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

std::string SqlitePath(absl::string_view url) {
  absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
  if (!parsed.ok()) return "error: " + parsed.status().ToString();
  if (!std::holds_alternative<SqliteUrl>(*parsed)) return "not sqlite";
  return std::get<SqliteUrl>(*parsed).path;
}

PostgresUrl Postgres(absl::string_view url) {
  absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok() || !std::holds_alternative<PostgresUrl>(*parsed)) return {};
  return std::get<PostgresUrl>(*parsed);
}

absl::Status ErrorFor(absl::string_view url) {
  absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
  return parsed.ok() ? absl::OkStatus() : parsed.status();
}

TEST(StoreUrlTest, SqliteUrlsAndBarePathsNameAFile) {
  EXPECT_EQ(SqlitePath("sqlite:/var/lib/yoga/yoga.db"),
            "/var/lib/yoga/yoga.db");
  EXPECT_EQ(SqlitePath("sqlite:yoga.db"), "yoga.db");
  EXPECT_EQ(SqlitePath("sqlite:///var/lib/yoga/yoga.db"),
            "/var/lib/yoga/yoga.db");
  EXPECT_EQ(SqlitePath("/var/lib/yoga/yoga.db"), "/var/lib/yoga/yoga.db");
  EXPECT_EQ(SqlitePath("data/yoga.db"), "data/yoga.db");
  // A colon does not make a scheme; only "scheme://" does.
  EXPECT_EQ(SqlitePath("./a:b.db"), "./a:b.db");
  EXPECT_EQ(SqlitePath("C:yoga.db"), "C:yoga.db");
}

TEST(StoreUrlTest, RefusesWhatNoBackendUnderstands) {
  for (absl::string_view url :
       {"", "memory", "sqlite:", "sqlite://host/yoga.db", "mysql://db/yoga",
        "http://example.com/yoga.db"}) {
    const absl::Status error = ErrorFor(url);
    EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(error.message(),
                AllOf(HasSubstr(absl::StrCat("\"", url, "\"")),
                      HasSubstr("sqlite:PATH"), HasSubstr("postgresql://")))
        << url;
  }
}

TEST(StoreUrlTest, PostgresUrlsKeepEveryOptionButDescribeNoPassword) {
  const PostgresUrl url =
      Postgres("postgresql://yoga:s3cret@db.example:5433/yoga?sslmode=require");
  EXPECT_EQ(url.description, "postgresql://yoga@db.example:5433/yoga");
  EXPECT_THAT(url.connection_options, Contains(Pair("password", "s3cret")));
  EXPECT_THAT(url.connection_options, Contains(Pair("sslmode", "require")));
  EXPECT_THAT(url.connection_options, Contains(Pair("host", "db.example")));

  EXPECT_EQ(Postgres("postgres://db/yoga").description, "postgresql://db/yoga");
  EXPECT_EQ(Postgres("postgresql://u@[::1]:5433/x").description,
            "postgresql://u@[::1]:5433/x");
  EXPECT_EQ(Postgres("postgresql://u@h1:1,h2:2/x").description,
            "postgresql://u@h1:1,h2:2/x");
  EXPECT_EQ(Postgres("postgresql://u@h/x?password=s3cret").description,
            "postgresql://u@h/x");
  // Percent-encoded parts are decoded for libpq.
  EXPECT_THAT(Postgres("postgresql://u:p%40ss@h/x").connection_options,
              Contains(Pair("password", "p@ss")));
}

TEST(StoreUrlTest, LibpqKeyValueStringIsNotTakenForAFile) {
  const absl::Status status =
      ErrorFor("host=db user=yoga password=s3cret dbname=yoga");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("postgresql://"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cret")));
}

TEST(StoreUrlTest, ErrorsNeverShowThePassword) {
  for (absl::string_view url :
       {"postgresql://u:s3cret@[::1/x", "postgresql://u:s3cret@h/x?bogus=1",
        "mysql://u:s3cret@h/x", "postgresql://u@h/x?password=s3cret&bogus=1"}) {
    const absl::Status error = ErrorFor(url);
    EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(error.message(), Not(HasSubstr("s3cret"))) << error;
  }
}

TEST(StoreUrlTest, RedactPasswordRemovesOnlyThePassword) {
  EXPECT_EQ(RedactPassword("postgresql://u:pw@h:5432/db?sslmode=require"),
            "postgresql://u@h:5432/db?sslmode=require");
  EXPECT_EQ(RedactPassword("postgresql://u@h/db?password=pw&sslmode=require"),
            "postgresql://u@h/db?sslmode=require");
  EXPECT_EQ(RedactPassword("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(RedactPassword("/var/lib/yoga.db"), "/var/lib/yoga.db");
}

TEST(StoreUrlTest, RedactPasswordHidesPasswordsWithAnySpecialCharacter) {
  const std::string specials = "/?#@:&=%+ !$'()*,;[]~\\\"";
  for (char special : specials) {
    const std::string password =
        absl::StrCat("pa", std::string(1, special), "ss");
    for (const std::string& url :
         {absl::StrCat("postgresql://u:", password,
                       "@h:5432/db?sslmode=require"),
          absl::StrCat("postgresql://u:", password, "@h"),
          absl::StrCat("postgres://u:", password, "@[::1]:5432/db")}) {
      const std::string redacted = RedactPassword(url);
      EXPECT_THAT(redacted, Not(HasSubstr(password))) << url;
      EXPECT_THAT(redacted, HasSubstr("u@")) << url;
    }
  }
  EXPECT_EQ(
      RedactPassword("postgresql://u:a/b?c#d@e@h:5432/db?sslmode=require"),
      "postgresql://u@h:5432/db?sslmode=require");
}

// The secrets libpq itself reads from `text` (password, sslpassword): the
// oracle the redaction is held to. Empty when libpq cannot parse it.
std::vector<std::string> SecretsLibpqReads(const std::string& text) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(text.c_str(), &error), &PQconninfoFree);
  PQfreemem(error);
  std::vector<std::string> secrets;
  if (options == nullptr) return secrets;
  for (const PQconninfoOption* option = options.get();
       option->keyword != nullptr; ++option) {
    const std::string keyword = option->keyword;
    if ((keyword == "password" || keyword == "sslpassword") &&
        option->val != nullptr && *option->val != '\0') {
      secrets.push_back(option->val);
    }
  }
  return secrets;
}

// Every printable ASCII character that is not a letter or digit.
std::string Specials() {
  std::string specials;
  for (char c = 0x20; c < 0x7f; ++c) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) specials += c;
  }
  return specials;
}

// "%XX" for every byte: how a password with any character goes into a URL.
std::string PercentEncoded(absl::string_view text) {
  std::string encoded;
  for (unsigned char c : text) {
    absl::StrAppend(&encoded, "%", absl::Hex(c, absl::kZeroPad2));
  }
  return encoded;
}

// A libpq connection-string value: quoted, with \ and ' escaped.
std::string Quoted(absl::string_view text) {
  return absl::StrCat(
      "'", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
}

// Every form in which libpq takes a password, with `password` in it.
std::vector<std::string> FormsHolding(const std::string& password) {
  const std::string encoded = PercentEncoded(password);
  const std::string quoted = Quoted(password);
  return {
      absl::StrCat("postgresql://u:", encoded, "@h:5432/db?sslmode=require"),
      absl::StrCat("postgres://u:", encoded, "@[::1]:5432/db"),
      absl::StrCat("postgresql://u:", encoded, "@h1:1,h2:2/db"),
      absl::StrCat("postgresql://u@h/db?password=", encoded),
      absl::StrCat("postgresql://u@h/db?sslmode=require&password=", encoded,
                   "&connect_timeout=3"),
      // libpq decodes query keywords too.
      absl::StrCat("postgresql://u@h/db?p%61ssword=", encoded),
      absl::StrCat("postgresql://u@h/db?%70%61%73%73%77%6f%72%64=", encoded),
      absl::StrCat("postgresql://u@h/db?sslpassword=", encoded),
      absl::StrCat("host=db user=yoga password=", quoted, " dbname=yoga"),
      absl::StrCat("password = ", quoted),
      absl::StrCat("host=db\tpassword=", quoted, "\nsslmode=require"),
      absl::StrCat("host=db sslpassword=", quoted),
  };
}

TEST(StoreUrlTest, RedactionHidesEveryPasswordLibpqWouldRead) {
  std::vector<std::string> passwords = {"S3cretX", "pa:ss@wd/x?y#z"};
  for (char special : Specials()) {
    passwords.push_back(absl::StrCat("S3c", std::string(1, special), "rtX"));
  }
  int checked = 0;
  for (const std::string& password : passwords) {
    for (const std::string& text : FormsHolding(password)) {
      // The form is real: libpq reads exactly this password from it.
      ASSERT_THAT(SecretsLibpqReads(text), Contains(password)) << text;
      const std::string redacted = RedactPassword(text);
      EXPECT_THAT(redacted, Not(HasSubstr(password))) << text;
      EXPECT_THAT(redacted, Not(HasSubstr(PercentEncoded(password)))) << text;
      // And libpq reads no secret from what is left.
      EXPECT_THAT(SecretsLibpqReads(redacted), ::testing::IsEmpty())
          << text << " -> " << redacted;
      // Neither do the messages of a URL that is refused.
      const absl::Status error = ErrorFor(absl::StrCat(text, "&bogus"));
      EXPECT_THAT(error.message(), Not(HasSubstr(password))) << text;
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(StoreUrlTest, RedactionKeepsWhatIsNotSecret) {
  EXPECT_EQ(RedactPassword("host=db user=yoga password='p w' dbname=yoga"),
            "host=db user=yoga dbname=yoga");
  EXPECT_EQ(
      RedactPassword("postgresql://u@h/db?p%61ssword=x&sslmode=verify-full"),
      "postgresql://u@h/db?sslmode=verify-full");
  EXPECT_EQ(RedactPassword("  postgresql://u:pw@h/db"),
            "  postgresql://u@h/db");
  // A value that is itself a URL is redacted in turn.
  EXPECT_EQ(RedactPassword("dbname='postgresql://u:pw@h/db' host=x"),
            "dbname='postgresql://u@h/db' host=x");
  // A '://' inside a connection string does not make it a URL.
  EXPECT_EQ(RedactPassword("host=db password=a://b@c"), "host=db");
  // What libpq cannot read as either form, but may hold a password, is hidden
  // whole; a plain path stays.
  EXPECT_THAT(RedactPassword("host=db password='unterminated"),
              AllOf(Not(HasSubstr("unterminated")), HasSubstr("not shown")));
  EXPECT_THAT(RedactPassword("user:pw=x y"), HasSubstr("not shown"));
  EXPECT_EQ(RedactPassword("data/yoga.db"), "data/yoga.db");
  EXPECT_EQ(RedactPassword("sqlite:/var/lib/yoga/yoga.db"),
            "sqlite:/var/lib/yoga/yoga.db");
}

TEST(StoreUrlTest, SslModeReachesLibpq) {
  for (absl::string_view mode :
       {"disable", "prefer", "require", "verify-ca", "verify-full"}) {
    const PostgresUrl url = Postgres(absl::StrCat(
        "postgresql://u@h/db?sslmode=", mode, "&sslrootcert=/etc/ca.crt"));
    EXPECT_THAT(url.connection_options, Contains(Pair("sslmode", mode)));
    EXPECT_THAT(url.connection_options,
                Contains(Pair("sslrootcert", "/etc/ca.crt")));
  }
  // libpq checks the value: a misspelt mode is refused before any connection.
  const absl::Status error =
      ErrorFor("postgresql://u@h/db?sslmode=verify_full");
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error.message(), HasSubstr("sslmode"));
}

// Found by tests/fuzz/store_url_fuzz.cc (its inputs are kept in
// tests/fuzz/corpus/store_url/): texts whose password libpq reads but the
// redaction showed.
TEST(StoreUrlTest, RedactPasswordHidesEveryPasswordLibpqReads) {
  // libpq decodes parameter names: this is its password too.
  EXPECT_THAT(
      Postgres("postgresql://u@h/db?pass%77ord=s3cret").connection_options,
      Contains(Pair("password", "s3cret")));
  for (absl::string_view url : {
           // key=value words, whatever else the text holds.
           "host=db user=yoga password=s3cret dbname=yoga",
           "host=db password=s3cret dbname=x://y",
           // A '@' in the query, before or inside the password's value.
           "postgresql://h/db?application_name=a@b&password=s3cret",
           "postgresql://h/db?sslmode=require&password=s3c@ret",
           "postgresql://u@h/db?password=s3c@ret",
           // A value holding '?', and a query that starts after a '?' libpq
           // reads as part of the host.
           "postgresql://u@h/db?password=s3c?ret&sslmode=require",
           "postgresql://u@[::1?x]/db?password=s3cret",
           "postgresql://u@h/db?pass%77ord=s3cret",
       }) {
    const std::string redacted = RedactPassword(url);
    EXPECT_THAT(redacted, AllOf(Not(HasSubstr("s3c")), Not(HasSubstr("ret"))))
        << url;
  }
  EXPECT_EQ(
      RedactPassword("postgresql://u@h/db?password=s3c?ret&sslmode=require"),
      "postgresql://u@h/db?sslmode=require");
  EXPECT_EQ(RedactPassword("host=db password=s3cret"), "host=db");
}

}  // namespace
}  // namespace yoga::storage
