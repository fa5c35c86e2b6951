#!/usr/bin/env python3
"""Extracts the chat request schemas the provider tests validate against from the official
OpenAPI documents (../shared/specs), as self-contained JSON Schema files: the request schema plus
every component it references, under "$defs". Run from the repository root:

    python3 tests/llm/schemas/extract_schemas.py /work/shared/specs tests/llm/schemas

Needs python3-yaml. The outputs are committed, so the tests do not need the specs or Python."""
import json
import os
import sys

import yaml


def closure(components, root):
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        def walk(node):
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                    todo.append(ref.rsplit("/", 1)[1])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(components[name])
    return seen


def rewrite(node, names_only=False):
    """Drops documentation keywords (not property names) and points $refs at $defs."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not names_only and key in ("description", "example", "examples", "title", "x-stainless-const",
                                          "x-oaiMeta"):
                continue
            if key == "$ref" and isinstance(value, str):
                value = value.replace("#/components/schemas/", "#/$defs/")
            out[key] = rewrite(value, names_only=(not names_only and key == "properties"))
        return out
    if isinstance(node, list):
        return [rewrite(v) for v in node]
    return node


def extract(spec_path, root, out_path, comment):
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    components = spec["components"]["schemas"]
    names = sorted(closure(components, root))
    doc = {
        "$comment": comment,
        "$ref": "#/$defs/" + root,
        "$defs": {name: rewrite(components[name]) for name in names},
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(out_path, len(names), "schemas")


def main():
    specs, out = sys.argv[1], sys.argv[2]
    extract(os.path.join(specs, "openai-openapi.yaml"), "CreateChatCompletionRequest",
            os.path.join(out, "openai-chat-request.schema.json"),
            "OpenAI CreateChatCompletionRequest, extracted from openai-openapi.yaml by extract_schemas.py")
    extract(os.path.join(specs, "mistral-openapi.yaml"), "ChatCompletionRequest",
            os.path.join(out, "mistral-chat-request.schema.json"),
            "Mistral ChatCompletionRequest, extracted from mistral-openapi.yaml by extract_schemas.py")
    # The embeddings requests (tests/llm/test_embedders.cpp).
    extract(os.path.join(specs, "openai-openapi.yaml"), "CreateEmbeddingRequest",
            os.path.join(out, "openai-embedding-request.schema.json"),
            "OpenAI CreateEmbeddingRequest, extracted from openai-openapi.yaml by extract_schemas.py")
    extract(os.path.join(specs, "mistral-openapi.yaml"), "EmbeddingRequest",
            os.path.join(out, "mistral-embedding-request.schema.json"),
            "Mistral EmbeddingRequest, extracted from mistral-openapi.yaml by extract_schemas.py")
    # What the server's OpenAI-compatible endpoint answers (tests/http).
    for root, name in (("CreateChatCompletionResponse", "openai-chat-response"),
                       ("CreateChatCompletionStreamResponse", "openai-chat-chunk"),
                       ("ListModelsResponse", "openai-models"),
                       ("CreateEmbeddingResponse", "openai-embedding-response"),
                       ("ErrorResponse", "openai-error")):
        extract(os.path.join(specs, "openai-openapi.yaml"), root, os.path.join(out, name + ".schema.json"),
                "OpenAI " + root + ", extracted from openai-openapi.yaml by extract_schemas.py")


if __name__ == "__main__":
    main()
