// The spec's stream example, verbatim but for the URL, wrapped in a function because the example
// uses `return` at top level (it is written as the body of an async function).
async function main() {
const response = await fetch('http://localhost:8000/api/llm/chat', {
method: 'POST',
headers: {
'Content-Type': 'application/json'
},
body: JSON.stringify({
model: 'qwen-turbo',
messages: [
{ role: 'user', content: '你好' }
],
stream: true
})
});
const reader = response.body.getReader();
const decoder = new TextDecoder();
while (true) {
const { done, value } = await reader.read();
if (done) break;
const chunk = decoder.decode(value);
const lines = chunk.split('\n');
for (const line of lines) {
if (line.startsWith('data: ')) {
const data = line.slice(6);
if (data === '[DONE]') {
console.log('流式响应结束');
return;
}
const parsed = JSON.parse(data);
console.log(parsed.content); // 逐步输出内容
}
}
}
}
await main();
