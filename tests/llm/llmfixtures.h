#pragma once

// JSON fixtures of the provider tests. They live in their own translation unit because moc
// (Qt 6.4) mis-reads raw string literals holding backslashes or line breaks.

namespace agency::test::fixtures {

extern const char *const kVertexSystemInstruction;
extern const char *const kVertexContents;
extern const char *const kVertexDeclaration;
extern const char *const kVertexToolConfigAuto;
extern const char *const kVertexGenerationConfig;
extern const char *const kVertexModeNone;
extern const char *const kVertexModeAny;
extern const char *const kVertexModeFunction;
extern const char *const kVertexMergedParts;
extern const char *const kSchemaIn;
extern const char *const kSchemaExpected;
extern const char *const kMistralChunk1;
extern const char *const kMistralChunk2a;
extern const char *const kMistralChunk2b;
extern const char *const kMistralChunk2c;
extern const char *const kMistralChunk2d;
extern const char *const kMistralValidationError;

} // namespace agency::test::fixtures
