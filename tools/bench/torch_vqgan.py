"""PyTorch reference for the MAE-VQGAN's VQGAN (taming-transformers layout), for parity checks
and the `docs/benchmarks.md` VQGAN comparison.

    python3 tools/bench/torch_vqgan.py bench [--config released|small] [--threads 2] [--batch 1]
    python3 tools/bench/torch_vqgan.py check   # fixture parity of this module itself

Module names follow taming's `Encoder`/`Decoder`/`VectorQuantizer`, so state-dict keys match
`vae.*` in the checkpoints.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def normalize(c):
    return nn.GroupNorm(32, c, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = normalize(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2, self.conv2 = normalize(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)
        self.cin, self.cout = cin, cout

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if self.cin != self.cout:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = normalize(c)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        h_ = self.norm(x)
        q, k, v = self.q(h_), self.k(h_), self.v(h_)
        b, c, h, w = q.shape
        q = q.reshape(b, c, h * w).permute(0, 2, 1)
        k = k.reshape(b, c, h * w)
        w_ = torch.bmm(q, k) * (int(c) ** (-0.5))
        w_ = F.softmax(w_, dim=2)
        v = v.reshape(b, c, h * w)
        h_ = torch.bmm(v, w_.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.proj_out(h_)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, res_blocks, z):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch, 3, 1, 1)
        in_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        n = len(ch_mult)
        for i in range(n):
            d = nn.Module()
            d.block, d.attn = nn.ModuleList(), nn.ModuleList()
            cin, cout = ch * in_mult[i], ch * ch_mult[i]
            for _ in range(res_blocks):
                d.block.append(ResnetBlock(cin, cout))
                cin = cout
                if i == n - 1:
                    d.attn.append(AttnBlock(cin))
            if i != n - 1:
                d.downsample = Downsample(cin)
            self.down.append(d)
        self.mid = nn.Module()
        self.mid.block_1, self.mid.attn_1, self.mid.block_2 = ResnetBlock(cin, cin), AttnBlock(cin), ResnetBlock(cin, cin)
        self.norm_out, self.conv_out = normalize(cin), nn.Conv2d(cin, z, 3, 1, 1)
        self.n, self.res_blocks = n, res_blocks

    def forward(self, x):
        h = self.conv_in(x)
        for i in range(self.n):
            for b in range(self.res_blocks):
                h = self.down[i].block[b](h)
                if len(self.down[i].attn) > 0:
                    h = self.down[i].attn[b](h)
            if i != self.n - 1:
                h = self.down[i].downsample(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        return self.conv_out(swish(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, res_blocks, z):
        super().__init__()
        n = len(ch_mult)
        cin = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z, cin, 3, 1, 1)
        self.mid = nn.Module()
        self.mid.block_1, self.mid.attn_1, self.mid.block_2 = ResnetBlock(cin, cin), AttnBlock(cin), ResnetBlock(cin, cin)
        ups = []
        for i in reversed(range(n)):
            u = nn.Module()
            u.block, u.attn = nn.ModuleList(), nn.ModuleList()
            cout = ch * ch_mult[i]
            for _ in range(res_blocks + 1):
                u.block.append(ResnetBlock(cin, cout))
                cin = cout
                if i == n - 1:
                    u.attn.append(AttnBlock(cin))
            if i != 0:
                u.upsample = Upsample(cin)
            ups.insert(0, u)
        self.up = nn.ModuleList(ups)
        self.norm_out, self.conv_out = normalize(cin), nn.Conv2d(cin, 3, 3, 1, 1)
        self.n, self.res_blocks = n, res_blocks

    def forward(self, z):
        h = self.conv_in(z)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        for i in reversed(range(self.n)):
            for b in range(self.res_blocks + 1):
                h = self.up[i].block[b](h)
                if len(self.up[i].attn) > 0:
                    h = self.up[i].attn[b](h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class Quantize(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.embedding = nn.Embedding(n, d)

    def indices(self, z):
        z = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        e = self.embedding.weight
        d = torch.sum(z ** 2, dim=1, keepdim=True) + torch.sum(e ** 2, dim=1) - 2 * torch.matmul(z, e.t())
        return torch.argmin(d, dim=1)


class VQGAN(nn.Module):
    CONFIGS = {"released": dict(ch=128, ch_mult=(1, 1, 2, 2, 4), res_blocks=2, z=256, n_embed=1024, embed_dim=256),
               "small": dict(ch=32, ch_mult=(1, 1, 1, 1, 2), res_blocks=1, z=32, n_embed=1024, embed_dim=16)}

    def __init__(self, ch, ch_mult, res_blocks, z, n_embed, embed_dim):
        super().__init__()
        self.encoder = Encoder(ch, ch_mult, res_blocks, z)
        self.decoder = Decoder(ch, ch_mult, res_blocks, z)
        self.quant_conv = nn.Conv2d(z, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z, 1)
        self.quantize = Quantize(n_embed, embed_dim)

    def tokens(self, canvas):
        """canvas: [B, 3, H, W] in [0, 1] -> token ids [B, H/16 * W/16] raster."""
        h = self.quant_conv(self.encoder(2 * canvas - 1))
        return self.quantize.indices(h).reshape(canvas.shape[0], -1)

    def decode_tokens(self, tokens, side):
        """tokens: [B, side*side] -> images [B, 3, 16*side, 16*side] in [0, 1]."""
        e = self.quantize.embedding.weight[tokens.reshape(-1)]
        q = e.reshape(tokens.shape[0], side, side, -1).permute(0, 3, 1, 2).contiguous()
        x = self.decoder(self.post_quant_conv(q))
        return (x.clamp(-1, 1) + 1) / 2


def load_fixture(path):
    import h5py
    f = h5py.File(path, "r")
    model = VQGAN(**VQGAN.CONFIGS["small"])
    state = {k[4:]: torch.from_numpy(f["weights"][k][()]) for k in f["weights"] if k.startswith("vae.")}
    model.load_state_dict(state, strict=True)
    return model.eval(), f


def check(path):
    model, f = load_fixture(path)
    with torch.no_grad():
        for i in f["prompts"]:
            for task in f["prompts"][i]:
                g = f["prompts"][i][task]
                tok = model.tokens(torch.from_numpy(g["canvas"][()])[None])[0].numpy()
                ok = (tok == g["vqgan_tokens"][()]).all()
                line = f"prompt {i} {task}: tokens {'equal' if ok else 'DIFFER'}"
                if "one_shot_image" in g:
                    img = model.decode_tokens(torch.from_numpy(g["one_shot_argmax"][()]).long()[None], 14)
                    img = torch.clip(img * 255, 0, 255).int()[0].permute(1, 2, 0).numpy()
                    diff = abs(img - g["one_shot_image"][()].astype(int))
                    line += f", one-shot image max diff {diff.max()}"
                print(line)


def bench(config, threads, batch, repeats):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = VQGAN(**VQGAN.CONFIGS[config]).eval()
    canvas = torch.rand(batch, 3, 224, 224)
    tokens = torch.randint(0, 1024, (batch, 196))
    with torch.no_grad():
        for name, fn in [("encode", lambda: model.tokens(canvas)), ("decode", lambda: model.decode_tokens(tokens, 14))]:
            fn()
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            times.sort()
            print(f"torch {torch.__version__} {config} {name} batch {batch} threads {threads}: "
                  f"median {times[len(times) // 2]:.3f} s, best {times[0]:.3f} s over {repeats}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["bench", "check"])
    p.add_argument("--config", default="released")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--fixture", default="Tests/Fixtures/official-small/fixture.h5")
    a = p.parse_args()
    if a.what == "check":
        check(a.fixture)
    else:
        bench(a.config, a.threads, a.batch, a.repeats)
