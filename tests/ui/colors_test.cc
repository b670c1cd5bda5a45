// Package extraction and colours: stable (a hash of the package name) and per family.
#include "colors.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pyrolens::ui {
namespace {

TEST(Colors, PackageOf) {
  EXPECT_EQ(PackageOf("net/http.(*conn).serve"), "net/http");
  EXPECT_EQ(PackageOf("github.com/foo/bar.Baz.func1"), "github.com/foo/bar");
  EXPECT_EQ(PackageOf("runtime.mallocgc"), "runtime");
  EXPECT_EQ(PackageOf("org.apache.kafka.Consumer.poll"), "org.apache.kafka");
  EXPECT_EQ(PackageOf("std::vector<int>::push_back(int const&)"), "std");
  EXPECT_EQ(PackageOf("tokio::runtime::park"), "tokio");
  EXPECT_EQ(PackageOf("handle (app/server.py:12)"), "server.py");
  EXPECT_EQ(PackageOf("main"), "main");
  EXPECT_EQ(PackageOf(""), "");
}

TEST(Colors, SamePackageSameColourAndWarm) {
  ImGuiContext* ctx = ImGui::CreateContext();              // ColorConvertHSVtoRGB needs no context,
  EXPECT_EQ(PackageColor("net/http.(*conn).serve", true),  // but keep the usual setup
            PackageColor("net/http.HandlerFunc.ServeHTTP", true));
  EXPECT_NE(PackageColor("net/http.serve", true), PackageColor("runtime.mallocgc", true));
  for (const char* name : {"a.b", "runtime.x", "std::y", "org.x.y.z"}) {
    ImU32 c = PackageColor(name, false);
    int r = (c >> IM_COL32_R_SHIFT) & 0xff, g = (c >> IM_COL32_G_SHIFT) & 0xff,
        b = (c >> IM_COL32_B_SHIFT) & 0xff;
    EXPECT_GE(r, g) << name;
    EXPECT_GE(g, b) << name;
  }
  ImGui::DestroyContext(ctx);
}

TEST(Colors, DiffColour) {
  auto red = [](ImU32 c) { return static_cast<int>((c >> IM_COL32_R_SHIFT) & 0xff); };
  auto green = [](ImU32 c) { return static_cast<int>((c >> IM_COL32_G_SHIFT) & 0xff); };
  auto blue = [](ImU32 c) { return static_cast<int>((c >> IM_COL32_B_SHIFT) & 0xff); };
  ImU32 bigger = DiffColor(0.5, false, true), smaller = DiffColor(-0.5, false, true);
  EXPECT_GT(red(bigger), green(bigger));
  EXPECT_GT(green(smaller), red(smaller));
  EXPECT_EQ(DiffColor(0.001, false, true), DiffColor(-0.001, false, true)) << "neutral";
  ImU32 cb_smaller = DiffColor(-0.5, true, true);
  EXPECT_GT(blue(cb_smaller), red(cb_smaller)) << "colour-blind: blue for smaller";
  EXPECT_EQ(DiffColor(HUGE_VAL, false, true), DiffColor(1e9, false, true));
}

}  // namespace
}  // namespace pyrolens::ui
