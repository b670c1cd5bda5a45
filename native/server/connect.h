// Connect protocol codecs: each request message from binary proto or protojson, each
// response to protojson (int64 as strings, lowerCamelCase names). Binary responses
// use the generated classes' SerializeToString.
#ifndef PYROLENS_NATIVE_SERVER_CONNECT_H_
#define PYROLENS_NATIVE_SERVER_CONNECT_H_

#include <string>
#include <string_view>

#include "push.pb.h"
#include "pyrolens/profile.h"
#include "pyrolens/status.h"
#include "querier.pb.h"
#include "types.pb.h"

namespace pyrolens {

// Request decoding from JSON. InvalidArgument names the field at fault. Unknown fields
// are ignored (as protojson does with DiscardUnknown).
Status FromJson(std::string_view json, querier::v1::ProfileTypesRequest* m);
Status FromJson(std::string_view json, types::v1::LabelNamesRequest* m);
Status FromJson(std::string_view json, types::v1::LabelValuesRequest* m);
Status FromJson(std::string_view json, querier::v1::SeriesRequest* m);
Status FromJson(std::string_view json, querier::v1::SelectMergeStacktracesRequest* m);
Status FromJson(std::string_view json, querier::v1::SelectMergeProfileRequest* m);
Status FromJson(std::string_view json, querier::v1::SelectSeriesRequest* m);
Status FromJson(std::string_view json, querier::v1::DiffRequest* m);
Status FromJson(std::string_view json, push::v1::PushRequest* m);

std::string ToJson(const querier::v1::ProfileTypesResponse& m);
std::string ToJson(const types::v1::LabelNamesResponse& m);
std::string ToJson(const types::v1::LabelValuesResponse& m);
std::string ToJson(const querier::v1::SeriesResponse& m);
std::string ToJson(const querier::v1::SelectSeriesResponse& m);
// A pprof as protojson (google.v1.Profile): the SelectMergeProfile JSON answer.
std::string ProfileToJson(const Profile& p);

// The Connect error body: {"code":"invalid_argument","message":"..."}.
std::string ConnectErrorJson(const char* code, const std::string& message);

// Standard (and URL-safe) base64 with optional padding; false on bad input.
bool Base64Decode(std::string_view in, std::string* out);

// `s` as a JSON string literal (quotes included).
std::string JsonString(std::string_view s);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_SERVER_CONNECT_H_
