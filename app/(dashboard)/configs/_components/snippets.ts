/** Ready-to-paste code that sends a chat completion through this Detour server with a saved config. */
export type Snippet = { id: string; label: string; language: string; code: string };

export function configSnippets(origin: string, slug: string): Snippet[] {
  const base = `${origin}/v1`;
  return [
    {
      id: "python",
      label: "Python (portkey_ai)",
      language: "python",
      code: `# pip install portkey-ai
import os
from portkey_ai import Portkey

client = Portkey(
    api_key=os.environ["DETOUR_API_KEY"],
    base_url="${base}",
    config="${slug}",
)

completion = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(completion.choices[0].message.content)`,
    },
    {
      id: "node",
      label: "Node (portkey-ai)",
      language: "javascript",
      code: `// npm install portkey-ai
import { Portkey } from "portkey-ai";

const client = new Portkey({
  apiKey: process.env.DETOUR_API_KEY,
  baseURL: "${base}",
  config: "${slug}",
});

const completion = await client.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(completion.choices[0].message.content);`,
    },
    {
      id: "openai",
      label: "OpenAI SDK (headers)",
      language: "javascript",
      code: `// npm install openai: keep your OpenAI code, change the base URL and add two headers
import OpenAI from "openai";

const client = new OpenAI({
  apiKey: process.env.DETOUR_API_KEY, // your Detour API key; provider keys stay in Detour
  baseURL: "${base}",
  defaultHeaders: {
    "x-portkey-api-key": process.env.DETOUR_API_KEY,
    "x-portkey-config": "${slug}",
  },
});

const completion = await client.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Hello!" }],
});`,
    },
    {
      id: "curl",
      label: "curl",
      language: "shell",
      code: `curl ${base}/chat/completions \\
  -H "content-type: application/json" \\
  -H "x-portkey-api-key: $DETOUR_API_KEY" \\
  -H "x-portkey-config: ${slug}" \\
  -d '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    },
  ];
}
