// A minimal page that shows the server runs: model, dataset, graph, predictions, feature maps
// and the evaluation job. The full UI is built from frontend/ with Vite.
"use strict";
const $ = (id) => document.getElementById(id);
const api = async (path, init) => {
  const response = await fetch(path, init);
  if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
  return response;
};
const json = async (path, init) => (await api(path, init)).json();
let current = 0;

async function showAccuracy() {
  try {
    const summary = await json("/api/evaluation");
    $("accuracy").textContent = `accuracy: ${(summary.accuracy * 100).toFixed(2)}% on ${summary.labelled} images`;
  } catch { /* not evaluated yet */ }
}

async function select(index) {
  current = index;
  document.querySelectorAll("#thumbnails img").forEach((img) => img.classList.toggle("selected", Number(img.dataset.index) === index));
  $("current-image").src = `/api/dataset/images/${index}/image.png?scale=4`;
  const prediction = await json(`/api/dataset/images/${index}/predictions?top=5`);
  $("top5").innerHTML = "";
  for (const score of prediction.top) {
    const item = document.createElement("li");
    item.textContent = `${score.name} ${(score.probability * 100).toFixed(1)}%`;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.round(score.probability * 120)}px`;
    item.append(bar);
    $("top5").append(item);
  }
  $("current").querySelector("h2").textContent = `Current image #${index} (true: ${prediction.label_name ?? "unlabelled"})`;
  await showFeatureMaps();
}

async function showFeatureMaps() {
  const node = $("node-select").value;
  const response = await api(`/api/dataset/images/${current}/activations/${encodeURIComponent(node)}?format=png`);
  const [low, high] = [response.headers.get("X-Min"), response.headers.get("X-Max")];
  $("feature-scale").textContent = `${node}: shape ${response.headers.get("X-Shape")}, scale ${low} (black) to ${high} (white)`;
  $("feature-maps").src = URL.createObjectURL(await response.blob());
}

async function evaluateDataset() {
  let job = await json("/api/jobs/evaluation", { method: "POST" });
  $("job-progress").hidden = $("cancel").hidden = false;
  $("cancel").onclick = () => json(`/api/jobs/${job.id}`, { method: "DELETE" });
  while (job.state === "queued" || job.state === "running") {
    $("job-progress").value = job.progress;
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = await json(`/api/jobs/${job.id}`);
  }
  $("job-progress").hidden = $("cancel").hidden = true;
  if (job.state === "failed") alert(job.error);
  await showAccuracy();
}

async function main() {
  const [model, dataset, graph] = await Promise.all([json("/api/model"), json("/api/dataset"), json("/api/graph")]);
  $("model-name").textContent = `model: ${model.name} (${model.parameters.toLocaleString()} parameters)`;
  $("dataset-name").textContent = `data: ${dataset.name}, ${dataset.size.toLocaleString()} images`;
  $("image-count").textContent = `(first 64 of ${dataset.size.toLocaleString()})`;
  $("graph-info").textContent = `${graph.nodes.length} nodes${graph.approximate ? " (approximate: " + graph.reason + ")" : ""}`;
  const rows = $("graph").querySelector("tbody");
  for (const node of graph.nodes) {
    const row = rows.insertRow();
    for (const value of [node.name, node.op, node.shape.join("×"), node.inputs.join(", "), node.params.toLocaleString()]) row.insertCell().textContent = value;
    if (node.shape.length >= 1) $("node-select").add(new Option(`${node.name} (${node.op} ${node.shape.join("×")})`, node.name));
  }
  const convs = graph.nodes.filter((n) => n.shape.length === 3 && n.op !== "input");
  $("node-select").value = (convs[0] ?? graph.nodes[0]).name;
  $("node-select").onchange = showFeatureMaps;
  for (let i = 0; i < Math.min(64, dataset.size); i++) {
    const img = new Image();
    img.src = `/api/dataset/images/${i}/image.png`;
    img.dataset.index = String(i);
    img.onclick = () => select(i);
    $("thumbnails").append(img);
  }
  $("evaluate").onclick = evaluateDataset;
  await Promise.all([showAccuracy(), select(0)]);
}

main().catch((error) => { document.body.prepend(`Error: ${error.message}`); });
