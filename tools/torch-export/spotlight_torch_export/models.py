"""The models the samples have, from their definitions (no pretrained weights): each builder
returns (model, example input, target, loss function) for a batch size."""

import torch
import torch.nn as nn
import torch.nn.functional as F


def resnet50(batch):
    import torchvision
    model = torchvision.models.resnet50(weights=None)
    return model, torch.randn(batch, 3, 224, 224), torch.randint(0, 1000, (batch,)), F.cross_entropy


def inception_v3(batch):
    import torchvision
    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    return model, torch.randn(batch, 3, 299, 299), torch.randint(0, 1000, (batch,)), F.cross_entropy


def cifar10_cnn(batch):
    """The TensorFlow tutorial's CNN: three convolutions, two dense layers."""
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))
    return model, torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,)), F.cross_entropy


class UnrolledLSTMLanguageModel(nn.Module):
    """Zaremba et al.'s large LSTM language model: two layers of 1,500 units over 35 steps,
    unrolled with `LSTMCell` so that each step's ops are ops of the graph."""

    def __init__(self, vocabulary=10000, width=1500, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.cells = nn.ModuleList(nn.LSTMCell(width, width) for _ in range(layers))
        self.output = nn.Linear(width, vocabulary)

    def forward(self, tokens):
        batch, steps = tokens.shape
        inputs = self.embedding(tokens)
        states = [(inputs.new_zeros(batch, cell.hidden_size), inputs.new_zeros(batch, cell.hidden_size))
                  for cell in self.cells]
        logits = []
        for step in range(steps):
            hidden = inputs[:, step]
            for index, cell in enumerate(self.cells):
                states[index] = cell(hidden, states[index])
                hidden = states[index][0]
            logits.append(self.output(hidden))
        return torch.stack(logits, dim=1)


def rnnlm(batch):
    model = UnrolledLSTMLanguageModel()
    tokens = torch.randint(0, 10000, (batch, 35))
    return model, tokens, torch.randint(0, 10000, (batch, 35)), _sequence_loss


class TranslationTransformer(nn.Module):
    """A Transformer of two encoder and two decoder layers of width 512 over 20 tokens a side."""

    def __init__(self, vocabulary=32000, width=512, length=20):
        super().__init__()
        self.length = length
        self.source_embedding = nn.Embedding(vocabulary, width)
        self.target_embedding = nn.Embedding(vocabulary, width)
        self.transformer = nn.Transformer(width, 8, 2, 2, 2048, dropout=0.0, batch_first=True)
        self.output = nn.Linear(width, vocabulary)

    def forward(self, tokens):
        source, target = tokens[:, :self.length], tokens[:, self.length:]
        mask = nn.Transformer.generate_square_subsequent_mask(target.shape[1])
        hidden = self.transformer(self.source_embedding(source), self.target_embedding(target), tgt_mask=mask,
                                 tgt_is_causal=True)
        return self.output(hidden)


def transformer(batch):
    model = TranslationTransformer()
    tokens = torch.randint(0, 32000, (batch, 40))
    return model, tokens, torch.randint(0, 32000, (batch, 20)), _sequence_loss


def _sequence_loss(logits, target):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


BUILDERS = {"resnet50": resnet50, "inception_v3": inception_v3, "cifar10_cnn": cifar10_cnn,
            "rnnlm": rnnlm, "transformer": transformer}
