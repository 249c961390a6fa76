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
#include "services/runtime/api_keys.h"
#include "services/runtime/call_admission.h"
#include "services/runtime/refusal_log.h"
#include "services/runtime/request_id.h"

namespace yoga {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallInterceptor : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(grpc::experimental::ServerRpcInfo* info, AccessPolicy* policy,
                  const std::string* in_process_token, RefusalLog* refusals)
      : info_(info),
        policy_(policy),
        in_process_token_(in_process_token),
        refusals_(refusals),
        method_(info->method()),
        peer_(info->server_context()->peer()),
        start_(absl::Now()) {}

  // A call the client cancelled never sends a status; it is logged here.
  ~CallInterceptor() override {
    if (!logged_) Write("CANCELLED", "");
    if (recorded_) ForgetAdmission(info_->server_context());
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      request_id_ = RequestIdFor(
          ValueOf(*methods->GetRecvInitialMetadata(), kRequestIdMetadata));
      Admit(*methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      // An error answered at once goes as trailers only, so that a client's
      // retry policy may try again: initial metadata would commit the call.
      const bool failing_at_once =
          methods->QueryInterceptionHookPoint(
              InterceptionHookPoints::PRE_SEND_STATUS) &&
          !methods->GetSendStatus().ok();
      (failing_at_once ? methods->GetSendTrailingMetadata()
                       : methods->GetSendInitialMetadata())
          ->emplace(kRequestIdMetadata, request_id_);
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
  // CallAdmission() and the owner with CallOwner().
  void Admit(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    auto value_of = [&](absl::string_view name) {
      return ValueOf(metadata, name);
    };
    const absl::string_view on_behalf_of = value_of(kOnBehalfOfMetadata);
    absl::Status refusal;
    std::string owner(on_behalf_of);
    unsigned permissions = 0;
    // Calls between services of one process (yoga-studio) never leave it, and
    // a server without keys trusts every caller: both may act for anyone.
    const bool trusted =
        policy_ == nullptr ||
        SameSecret(value_of(kInProcessTokenMetadata), *in_process_token_);
    if (!trusted) {
      AccessPolicy::Decision decision =
          policy_->Admit(method_, value_of(kApiKeyMetadata), absl::Now());
      key_id_ = std::move(decision.key_id);
      refusal = std::move(decision.status);
      if (on_behalf_of.empty()) {
        owner = key_id_;
        // Acting for a partner, a call has none of the presenting key's
        // own rights (a peer key that may teach does not teach for all).
        permissions = decision.permissions;
      } else if (refusal.ok() && !(decision.permissions & kPeerPermission)) {
        refusal = WithReason(
            absl::PermissionDeniedError(absl::StrCat(
                "key ", key_id_, " may not send \"", kOnBehalfOfMetadata,
                "\": only our own services' keys (permission \"peer\") act "
                "for another key")),
            "ON_BEHALF_OF_NOT_ALLOWED");
      }
    }
    if (refusal.ok() && !on_behalf_of.empty() && !IsKeyId(on_behalf_of)) {
      // Never repeated back: it may be anything.
      refusal = WithReason(
          absl::InvalidArgumentError(absl::StrCat(
              "\"", kOnBehalfOfMetadata,
              "\" must be a key id: 1 to 64 letters, digits, '-', '_' or '.'")),
          "ON_BEHALF_OF_INVALID");
    }
    // Nothing to remember.
    if (refusal.ok() && owner.empty() && permissions == 0) return;
    if (!refusal.ok()) {
      owner.clear();
      permissions = 0;
    }
    RecordAdmission(info_->server_context(), std::move(refusal),
                    std::move(owner), permissions);
    recorded_ = true;
  }

  void Write(const std::string& code, const std::string& message) {
    logged_ = true;
    const bool request_arrived =
        messages_received_ > 0 && !undecodable_request_;
    if (!refusals_->MayWrite(code, request_arrived, absl::Now())) return;
    LogFields fields = {
        {"method", BoundedForLog(method_)},  // Unknown ones are the caller's.
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
  RefusalLog* refusals_;
  std::string method_;
  std::string key_id_;
  std::string request_id_;  // Sent back as x-request-id and logged.
  bool recorded_ = false;
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
    return new CallInterceptor(info, policy_.get(), &in_process_token_,
                               &refusals_);
  }

 private:
  std::shared_ptr<AccessPolicy> policy_;
  const std::string in_process_token_;
  RefusalLog refusals_;  // Shared by the calls of the server.
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallInterceptorFactory(std::shared_ptr<AccessPolicy> policy,
                           std::string in_process_token) {
  return std::make_unique<CallInterceptorFactory>(std::move(policy),
                                                  std::move(in_process_token));
}

}  // namespace yoga
