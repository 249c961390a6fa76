#include "services/common/request_log.h"

#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "services/common/log.h"

namespace yoga {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Names the status code the way gRPC documents it ("NOT_FOUND").
std::string CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",        "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",  "ALREADY_EXISTS",    "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",       "UNAVAILABLE",       "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(std::size(kNames))) return kNames[index];
  return absl::StrFormat("CODE_%d", index);
}

class RequestLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), method_(info->method()), peer_(info->server_context()->peer()),
        start_(absl::Now()) {}

  // A call the client cancelled never sends a status; it is logged here.
  ~RequestLogInterceptor() override {
    if (!logged_) Write("CANCELLED", "");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      // Streaming calls may learn their peer only after the interceptor is made.
      if (peer_.empty()) peer_ = info_->server_context()->peer();
      Write(CodeName(status.error_code()), status.error_message());
    }
    methods->Proceed();
  }

 private:
  void Write(const std::string& code, const std::string& message) {
    logged_ = true;
    LogFields fields = {
        {"method", method_},
        {"code", code},
        {"latency_ms", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(absl::Now() - start_))},
        {"peer", peer_}};
    if (!message.empty()) fields.emplace_back("error", message);
    Log(code == "OK" ? LogLevel::kInfo : LogLevel::kWarning, "rpc", fields);
  }

  grpc::experimental::ServerRpcInfo* info_;
  std::string method_;
  std::string peer_;
  absl::Time start_;
  bool logged_ = false;
};

class RequestLogInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestLogInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestLogInterceptorFactory() {
  return std::make_unique<RequestLogInterceptorFactory>();
}

}  // namespace yoga
