import { describe, expect, it } from "vitest";
import type { Query } from "../config/condition-query";
import { chooseConditionalTarget, matchesQuery } from "./conditions";

const context = {
  metadata: { tier: "pro", region: "eu-west", score: "42", beta: "true", "team.name": "core" },
  params: { model: "gpt-4o", temperature: 0.2, max_tokens: 512, user: { plan: "team" }, stream: true },
};
const matches = (query: Query) => matchesQuery(query, context);

describe("matchesQuery", () => {
  it("treats a literal as equality", () => {
    expect(matches({ "metadata.tier": "pro" })).toBe(true);
    expect(matches({ "metadata.tier": "free" })).toBe(false);
    expect(matches({ "params.stream": true })).toBe(true);
  });

  it("$eq and $ne", () => {
    expect(matches({ "params.model": { $eq: "gpt-4o" } })).toBe(true);
    expect(matches({ "params.model": { $eq: "gpt-4" } })).toBe(false);
    expect(matches({ "params.model": { $ne: "gpt-4" } })).toBe(true);
    expect(matches({ "params.model": { $ne: "gpt-4o" } })).toBe(false);
    expect(matches({ "metadata.missing": { $ne: "x" } })).toBe(true);
  });

  it("$gt $gte $lt $lte on numbers, numeric metadata strings and strings", () => {
    expect(matches({ "params.max_tokens": { $gt: 500 } })).toBe(true);
    expect(matches({ "params.max_tokens": { $gt: 512 } })).toBe(false);
    expect(matches({ "params.max_tokens": { $gte: 512 } })).toBe(true);
    expect(matches({ "params.temperature": { $lt: 0.5 } })).toBe(true);
    expect(matches({ "params.temperature": { $lte: 0.1 } })).toBe(false);
    expect(matches({ "metadata.score": { $gt: 40, $lte: 42 } })).toBe(true);
    expect(matches({ "metadata.region": { $gte: "eu" } })).toBe(true);
    expect(matches({ "metadata.region": { $lt: "eu" } })).toBe(false);
    expect(matches({ "metadata.tier": { $gt: 1 } })).toBe(false); // not a number: no match
    expect(matches({ "metadata.missing": { $lt: 1 } })).toBe(false);
  });

  it("$in and $nin", () => {
    expect(matches({ "metadata.tier": { $in: ["pro", "enterprise"] } })).toBe(true);
    expect(matches({ "metadata.tier": { $in: ["free"] } })).toBe(false);
    expect(matches({ "metadata.tier": { $nin: ["free"] } })).toBe(true);
    expect(matches({ "metadata.tier": { $nin: ["pro"] } })).toBe(false);
    expect(matches({ "metadata.score": { $in: [41, 42] } })).toBe(true);
    expect(matches({ "metadata.missing": { $nin: ["x"] } })).toBe(true);
    expect(matches({ "metadata.missing": { $in: ["x"] } })).toBe(false);
  });

  it("$regex", () => {
    expect(matches({ "params.model": { $regex: "^gpt-4" } })).toBe(true);
    expect(matches({ "params.model": { $regex: "^claude" } })).toBe(false);
    expect(matches({ "metadata.score": { $regex: "^4\\d$" } })).toBe(true);
    expect(matches({ "params.user": { $regex: "." } })).toBe(false); // objects never match
  });

  it("$and and $or", () => {
    expect(matches({ $and: [{ "metadata.tier": "pro" }, { "params.model": "gpt-4o" }] })).toBe(true);
    expect(matches({ $and: [{ "metadata.tier": "pro" }, { "params.model": "gpt-4" }] })).toBe(false);
    expect(matches({ $or: [{ "metadata.tier": "free" }, { "params.model": "gpt-4o" }] })).toBe(true);
    expect(matches({ $or: [{ "metadata.tier": "free" }, { "params.model": "gpt-4" }] })).toBe(false);
    const nested: Query = { $or: [{ $and: [{ "metadata.tier": "pro" }, { "metadata.region": { $regex: "^eu" } }] }] };
    expect(matches(nested)).toBe(true);
  });

  it("requires every entry of a query to hold", () => {
    expect(matches({ "metadata.tier": "pro", "params.model": "gpt-4o" })).toBe(true);
    expect(matches({ "metadata.tier": "pro", "params.model": "x" })).toBe(false);
    expect(matches({})).toBe(true);
  });

  it("walks nested params and accepts metadata keys holding a dot", () => {
    expect(matches({ "params.user.plan": "team" })).toBe(true);
    expect(matches({ "params.user.plan.deeper": "team" })).toBe(false);
    expect(matches({ "metadata.team.name": "core" })).toBe(true);
  });

  it("compares leniently with metadata's string values", () => {
    expect(matches({ "metadata.score": 42 })).toBe(true);
    expect(matches({ "metadata.beta": true })).toBe(true);
    expect(matches({ "metadata.beta": { $eq: false } })).toBe(false);
  });

  it("never matches without metadata or params", () => {
    expect(matchesQuery({ "metadata.tier": "pro" }, {})).toBe(false);
  });
});

describe("chooseConditionalTarget", () => {
  const conditions = [
    { query: { "metadata.tier": "free" }, then: "cheap" },
    { query: { "metadata.tier": "pro" }, then: "fast" },
    { query: { "params.model": "gpt-4o" }, then: "big" },
  ];
  it("takes the first matching condition", () => {
    expect(chooseConditionalTarget(conditions, "default", context)).toBe("fast");
  });
  it("falls back to default, else undefined", () => {
    expect(chooseConditionalTarget(conditions, "default", { metadata: { tier: "x" } })).toBe("default");
    expect(chooseConditionalTarget(conditions, undefined, { metadata: { tier: "x" } })).toBeUndefined();
  });
});
