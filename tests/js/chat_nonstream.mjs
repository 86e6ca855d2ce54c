// The spec's non-stream example, verbatim but for the URL (the test replaces localhost:8000).
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
stream: false,
temperature: 0.7
})
});
const data = await response.json();
console.log(data.data.content); // 模型响应内容
