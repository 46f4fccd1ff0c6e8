package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// generator mutates one set's live data for each step of its plan.
type generator struct {
	plan   plan
	mutate func(step int, t time.Time) error
}

func generators(l layout, now time.Time) []generator {
	return []generator{
		{plan: modelsPlan, mutate: modelsGen(l.path("data", "models"))},
		{plan: datasetsPlan, mutate: datasetsGen(l.path("data", "datasets"))},
		{plan: servingPlan, mutate: servingGen(l.path("data", "serving"), modelsPlan.times(now))},
	}
}

// rng is a PCG source seeded from a key (a file name and a step), never
// from the clock: the same key always yields the same bytes.
func rng(key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	a := h.Sum64()
	h.Write([]byte{0x9e, 0x37})
	return rand.New(rand.NewPCG(a, h.Sum64()))
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, (n+7)&^7)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

// writeFile writes a generated file and gives it the step's time, so that
// restic sees what a real writer at that time would have left.
func writeFile(path string, data []byte, t time.Time) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	return os.Chtimes(path, t, t)
}

func touch(t time.Time, dirs ...string) error {
	for _, d := range dirs {
		if err := os.Chtimes(d, t, t); err != nil {
			return err
		}
	}
	return nil
}

// indentJSON renders v the way tools write JSON for people: indented, with
// <, > and & left as they are.
func indentJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // only our own maps and structs come here
	}
	return b.Bytes()
}

// ---- models: training checkpoints ----

const (
	keepCheckpoints = 3 // the trainer keeps the newest three on disk
	shardsPerCkpt   = 4
	hidden          = 256
)

// ckptNumber is the training step of the i-th checkpoint of the week; the
// run was already under way when the week began (i may be -1).
func ckptNumber(i int) int { return 40000 + i*2500 }

func ckptName(i int) string { return fmt.Sprintf("ckpt-step-%06d", ckptNumber(i)) }

func modelsGen(root string) func(int, time.Time) error {
	return func(step int, t time.Time) error {
		name := ckptName(step)
		dir := filepath.Join(root, name)
		for s := range shardsPerCkpt {
			file := fmt.Sprintf("shard-%02d-of-%02d.safetensors", s, shardsPerCkpt)
			if err := writeFile(filepath.Join(dir, file), safetensorsShard(name+"/"+file, s), t); err != nil {
				return err
			}
		}
		if err := writeFile(filepath.Join(dir, "config.json"), ckptConfig(step), t); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(root, "latest"), []byte(name+"\n"), t); err != nil {
			return err
		}
		// Like the trainer: keep the newest checkpoints, delete the rest.
		ents, err := os.ReadDir(root)
		if err != nil {
			return err
		}
		var ckpts []string
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), "ckpt-step-") {
				ckpts = append(ckpts, e.Name())
			}
		}
		slices.Sort(ckpts) // zero-padded: lexical order is step order
		for len(ckpts) > keepCheckpoints {
			if err := os.RemoveAll(filepath.Join(root, ckpts[0])); err != nil {
				return err
			}
			ckpts = ckpts[1:]
		}
		return touch(t, dir, root)
	}
}

type tensor struct {
	name  string
	shape [2]int
}

// safetensorsShard is a real safetensors file: a little-endian u64 header
// length, a JSON header padded to 8 bytes, then incompressible BF16 weights
// (about 256 KiB) from a PCG source seeded by the file's name.
func safetensorsShard(key string, shard int) []byte {
	var ts []tensor
	if shard == 0 {
		ts = []tensor{{"model.embed_tokens.weight", [2]int{512, hidden}}} // tied with lm_head
	} else {
		layer := shard - 1
		ts = []tensor{
			{fmt.Sprintf("model.layers.%d.self_attn.qkv_proj.weight", layer), [2]int{hidden, hidden}},
			{fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", layer), [2]int{hidden, hidden}},
		}
	}
	var hdr strings.Builder
	hdr.WriteString(`{"__metadata__":{"format":"pt"}`)
	off := 0
	for _, t := range ts {
		n := t.shape[0] * t.shape[1] * 2 // bf16
		fmt.Fprintf(&hdr, `,"%s":{"dtype":"BF16","shape":[%d,%d],"data_offsets":[%d,%d]}`, t.name, t.shape[0], t.shape[1], off, off+n)
		off += n
	}
	hdr.WriteString("}")
	h := hdr.String()
	if pad := len(h) % 8; pad != 0 {
		h += strings.Repeat(" ", 8-pad)
	}
	out := make([]byte, 8, 8+len(h)+off)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	return append(out, randomBytes(rng(key), off)...)
}

func ckptConfig(step int) []byte {
	n := ckptNumber(step)
	r := rng(fmt.Sprintf("models/%s/config.json", ckptName(step)))
	loss := 1.35 + 1.9*math.Exp(-float64(n)/30000) + (r.Float64()-0.5)*0.02
	lr := 3e-4 * 0.5 * (1 + math.Cos(math.Pi*float64(n)/200000))
	cfg := map[string]any{
		"architectures":           []string{"LlamaForCausalLM"},
		"model_type":              "llama",
		"_name_or_path":           "lifeboat-demo/tiny-chat",
		"hidden_size":             hidden,
		"intermediate_size":       hidden,
		"num_hidden_layers":       shardsPerCkpt - 1,
		"num_attention_heads":     4,
		"vocab_size":              512,
		"max_position_embeddings": 2048,
		"torch_dtype":             "bfloat16",
		"training": map[string]any{
			"global_step":   n,
			"tokens_seen":   int64(n) * 4 * 1024 * 1024,
			"loss":          math.Round(loss*10000) / 10000,
			"learning_rate": math.Round(lr*1e9) / 1e9,
			"shards":        shardsPerCkpt,
		},
	}
	return indentJSON(cfg)
}

// ---- datasets: many small JSON-lines shards and a manifest ----

const (
	initialParts = 300
	datasetName  = "instruct-mix-v3"
)

type partInfo struct {
	Path    string `json:"path"`
	Records int    `json:"records"`
	Bytes   int    `json:"bytes"`
	SHA256  string `json:"sha256"`
}

var (
	words = strings.Fields(`the model data backup restore replica cluster node token gradient batch
		shard checkpoint latency throughput region failover storage snapshot policy retention query
		answer explain summarise translate compare list steps why how when where which quickly
		carefully safely a an of to in for with on by from about into over after before during`)
	sources = []string{"wiki", "forum", "docs", "code-review", "support-tickets", "synthetic"}
	langs   = []string{"en", "en", "en", "de", "fr", "es"}
)

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// jsonlPart is 1-3 KiB of records, seeded by the part's name.
func jsonlPart(name string) ([]byte, int) {
	r := rng("datasets/" + name)
	target := 1024 + r.IntN(2048)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	stem := strings.TrimSuffix(filepath.Base(name), ".jsonl")
	n := 0
	for b.Len() < target {
		rec := struct {
			ID       string `json:"id"`
			Source   string `json:"source"`
			Lang     string `json:"lang"`
			Prompt   string `json:"prompt"`
			Response string `json:"response"`
			Tokens   int    `json:"tokens"`
		}{
			ID:       fmt.Sprintf("%s-%04d", stem, n),
			Source:   sources[r.IntN(len(sources))],
			Lang:     langs[r.IntN(len(langs))],
			Prompt:   sentence(r, 6+r.IntN(10)) + "?",
			Response: sentence(r, 12+r.IntN(30)) + ".",
		}
		rec.Tokens = len(strings.Fields(rec.Prompt+" "+rec.Response)) * 4 / 3
		_ = enc.Encode(rec)
		n++
	}
	return b.Bytes(), n
}

func datasetsGen(root string) func(int, time.Time) error {
	var parts []partInfo // grows step by step; the goroutine owns it
	return func(step int, t time.Time) error {
		add := initialParts
		if step > 0 {
			add = 20 + rng(fmt.Sprintf("datasets/step-%d", step)).IntN(11)
		}
		for range add {
			rel := fmt.Sprintf("shards/part-%05d.jsonl", len(parts))
			data, records := jsonlPart(rel)
			if err := writeFile(filepath.Join(root, rel), data, t); err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			parts = append(parts, partInfo{Path: rel, Records: records, Bytes: len(data), SHA256: hex.EncodeToString(sum[:])})
		}
		records, size := 0, 0
		for _, p := range parts {
			records += p.Records
			size += p.Bytes
		}
		manifest := struct {
			Name    string     `json:"name"`
			Version int        `json:"version"`
			Updated string     `json:"updated"`
			Format  string     `json:"format"`
			Parts   int        `json:"parts"`
			Records int        `json:"records"`
			Bytes   int        `json:"bytes"`
			Files   []partInfo `json:"files"`
		}{datasetName, step + 1, t.UTC().Format(time.RFC3339), "jsonl", len(parts), records, size, parts}
		if err := writeFile(filepath.Join(root, "manifest.json"), indentJSON(manifest), t); err != nil {
			return err
		}
		return touch(t, filepath.Join(root, "shards"), root)
	}
}

// ---- serving: the inference fleet's configuration ----

func servingGen(root string, modelTimes []time.Time) func(int, time.Time) error {
	rev := map[string]int{}
	deployed := -2 // index of the checkpoint models.yaml names
	others := 0
	// ckptAt is the newest checkpoint the trainer had written by t
	// (worked out from the schedule, not the disk, so it is deterministic).
	ckptAt := func(t time.Time) int {
		i := -1
		for j, mt := range modelTimes {
			if !mt.After(t) {
				i = j
			}
		}
		return i
	}
	write := func(file string, t time.Time) error {
		rev[file]++
		var data []byte
		switch file {
		case "router.yaml":
			data = routerYAML(rev[file])
		case "limits.yaml":
			data = limitsYAML(rev[file])
		case "tokenizer.json":
			data = tokenizerJSON(rev[file])
		case "models.yaml":
			data = modelsYAML(rev[file], deployed, t)
		}
		return writeFile(filepath.Join(root, file), data, t)
	}
	return func(step int, t time.Time) error {
		var files []string
		current := ckptAt(t)
		switch {
		case step == 0:
			files = []string{"router.yaml", "models.yaml", "tokenizer.json", "limits.yaml"}
			deployed = current
		case current != deployed:
			files = []string{"models.yaml"} // promote the new checkpoint
			deployed = current
		default:
			files = []string{[]string{"router.yaml", "limits.yaml", "router.yaml", "tokenizer.json"}[others%4]}
			others++
		}
		for _, f := range files {
			if err := write(f, t); err != nil {
				return err
			}
		}
		return touch(t, root)
	}
}

func routerYAML(rev int) []byte {
	r := rng(fmt.Sprintf("serving/router.yaml/%d", rev))
	east := 50 + 5*r.IntN(9)
	return fmt.Appendf(nil, `# Inference router: which GPU pools take which traffic.
revision: %d
listen: 0.0.0.0:8080
routes:
  - match: {path_prefix: /v1/chat/completions}
    backends:
      - {pool: gpu-h100-east, weight: %d}
      - {pool: gpu-h100-west, weight: %d}
  - match: {path_prefix: /v1/embeddings}
    backends:
      - {pool: cpu-embed, weight: 100}
health_check: {path: /healthz, interval: %ds, unhealthy_after: 3}
timeouts: {connect: 2s, request: %ds}
`, rev, east, 100-east, 5+r.IntN(3)*5, 30+r.IntN(4)*30)
}

func limitsYAML(rev int) []byte {
	r := rng(fmt.Sprintf("serving/limits.yaml/%d", rev))
	var b strings.Builder
	fmt.Fprintf(&b, "# Per-tenant rate limits, enforced at the router.\nrevision: %d\ndefault: {requests_per_minute: 60, tokens_per_minute: 40000}\ntenants:\n", rev)
	for _, tn := range []string{"research", "support-bot", "search", "internal-tools", "partner-acme"} {
		fmt.Fprintf(&b, "  %s: {requests_per_minute: %d, tokens_per_minute: %d, max_concurrency: %d}\n",
			tn, 100*(1+r.IntN(20)), 50000*(1+r.IntN(40)), 4*(1+r.IntN(16)))
	}
	return []byte(b.String())
}

func modelsYAML(rev, ckpt int, t time.Time) []byte {
	return fmt.Appendf(nil, `# Which checkpoint each deployment serves; the deploy job rewrites this.
revision: %d
updated: %s
model: lifeboat-demo/tiny-chat
current: %s
deployments:
  - name: chat
    checkpoint: models/%s
    replicas: 6
    gpus_per_replica: 1
  - name: chat-rollback
    checkpoint: models/%s
    replicas: 1
    gpus_per_replica: 1
`, rev, t.UTC().Format(time.RFC3339), ckptName(ckpt), ckptName(ckpt), ckptName(ckpt-1))
}

func tokenizerJSON(rev int) []byte {
	r := rng(fmt.Sprintf("serving/tokenizer.json/%d", rev))
	vocab := map[string]int{}
	for i := range 256 {
		vocab[fmt.Sprintf("<0x%02X>", i)] = i
	}
	id := 256
	for _, w := range words {
		if _, dup := vocab["Ġ"+w]; !dup {
			vocab["Ġ"+w] = id
			id++
		}
	}
	var merges []string
	for range 64 {
		a, b := words[r.IntN(len(words))], words[r.IntN(len(words))]
		merges = append(merges, a[:1]+" "+b[len(b)-1:])
	}
	special := []string{"<s>", "</s>", "<pad>", "<|user|>", "<|assistant|>"}
	var added []map[string]any
	for i, s := range special[:3+rev%3] {
		added = append(added, map[string]any{"id": id + i, "content": s, "special": true})
	}
	tok := map[string]any{
		"version":      "1.0",
		"revision":     rev,
		"added_tokens": added,
		"model":        map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "byte_fallback": true},
	}
	return indentJSON(tok)
}
