#include "services/runtime/call_interceptor.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "services/common/log.h"
#include "services/runtime/call_admission.h"
#include "services/runtime/request_id.h"

namespace yoga {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallInterceptor : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(grpc::experimental::ServerRpcInfo* info, AccessPolicy* policy,
                  const std::string* in_process_token)
      : info_(info),
        policy_(policy),
        in_process_token_(in_process_token),
        method_(info->method()),
        peer_(info->server_context()->peer()),
        start_(absl::Now()) {}

  // A call the client cancelled never sends a status; it is logged here.
  ~CallInterceptor() override {
    if (!logged_) Write("CANCELLED", "");
    if (refused_) ForgetRefusal(info_->server_context());
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      request_id_ = RequestIdFor(
          ValueOf(*methods->GetRecvInitialMetadata(), kRequestIdMetadata));
      if (policy_ != nullptr) Admit(*methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdMetadata,
                                                 request_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // The one request of a unary or server-streaming call arrives as no
      // message when its bytes do not decode. (A client stream that simply
      // ends also shows no message, so client streams are left alone.)
      using Type = grpc::experimental::ServerRpcInfo::Type;
      const bool single_request = info_->type() == Type::UNARY ||
                                  info_->type() == Type::SERVER_STREAMING;
      if (single_request && messages_received_ == 0 &&
          methods->GetRecvMessage() == nullptr) {
        undecodable_request_ = true;
      }
      ++messages_received_;
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // A call cancelled before its request arrived also shows no message.
      if (undecodable_request_ && !info_->server_context()->IsCancelled()) {
        // gRPC's callback API answers UNIMPLEMENTED with no message when a
        // request does not decode; callers deserve to know their bytes were the
        // problem.
        methods->ModifySendStatus(ToGrpcStatus(WithReason(
            absl::InvalidArgumentError(absl::StrCat(
                "the request is not a valid protobuf message for ", method_)),
            "REQUEST_NOT_DECODABLE")));
      }
      // Every error carries a google.rpc.ErrorInfo, also those made by gRPC.
      const grpc::Status status =
          WithDefaultErrorInfo(methods->GetSendStatus());
      if (!status.ok()) methods->ModifySendStatus(status);
      // Streaming calls may learn their peer only after the interceptor is
      // made.
      if (peer_.empty()) peer_ = info_->server_context()->peer();
      Write(StatusCodeName(status.error_code()), status.error_message());
    }
    methods->Proceed();
  }

 private:
  // The value of metadata `name`; empty when the call has none.
  static absl::string_view ValueOf(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
      absl::string_view name) {
    auto found = metadata.find(grpc::string_ref(name.data(), name.size()));
    if (found == metadata.end()) return "";
    return absl::string_view(found->second.data(), found->second.size());
  }

  // Runs before the handler, which then finds any refusal with
  // CallAdmission().
  void Admit(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    auto value_of = [&](absl::string_view name) {
      return ValueOf(metadata, name);
    };
    // Calls between services of one process (yoga-studio) never leave it.
    if (SameSecret(value_of(kInProcessTokenMetadata), *in_process_token_))
      return;
    const absl::string_view key = value_of(kApiKeyMetadata);
    AccessPolicy::Decision decision = policy_->Admit(method_, key, absl::Now());
    key_id_ = std::move(decision.key_id);
    if (!decision.status.ok()) {
      RecordRefusal(info_->server_context(), std::move(decision.status));
      refused_ = true;
    }
  }

  void Write(const std::string& code, const std::string& message) {
    logged_ = true;
    LogFields fields = {
        {"method", method_},
        {"code", code},
        {"latency_ms", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(
                                                   absl::Now() - start_))},
        {"peer", peer_}};
    if (!request_id_.empty()) fields.emplace_back("request_id", request_id_);
    if (!key_id_.empty()) fields.emplace_back("key", key_id_);
    if (!message.empty()) fields.emplace_back("error", message);
    Log(code == "OK" ? LogLevel::kInfo : LogLevel::kWarning, "rpc", fields);
  }

  grpc::experimental::ServerRpcInfo* info_;
  AccessPolicy* policy_;  // Null when every call is admitted.
  const std::string* in_process_token_;
  std::string method_;
  std::string key_id_;
  std::string request_id_;  // Sent back as x-request-id and logged.
  bool refused_ = false;
  std::string peer_;
  absl::Time start_;
  bool logged_ = false;
  bool undecodable_request_ = false;
  int messages_received_ = 0;
};

class CallInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallInterceptorFactory(std::shared_ptr<AccessPolicy> policy,
                         std::string in_process_token)
      : policy_(std::move(policy)),
        in_process_token_(std::move(in_process_token)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(info, policy_.get(), &in_process_token_);
  }

 private:
  std::shared_ptr<AccessPolicy> policy_;
  const std::string in_process_token_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallInterceptorFactory(std::shared_ptr<AccessPolicy> policy,
                           std::string in_process_token) {
  return std::make_unique<CallInterceptorFactory>(std::move(policy),
                                                  std::move(in_process_token));
}

}  // namespace yoga
