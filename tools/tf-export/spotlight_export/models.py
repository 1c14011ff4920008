"""The sample workloads: Keras versions of the models the Spotlight paper and its peers placed, at
the batch sizes they used, each with the expert placement a human would write for it.

Every builder returns a `Workload`. Layer names are fixed, so that groups (and expert rules that
read them) do not depend on Keras' global name counters.
"""

import tensorflow as tf

layers = tf.keras.layers


class Workload:
    """A model, the specs of its inputs and labels, its loss, optimizer, and expert rule."""

    def __init__(self, name, description, model, input_specs, label_spec, optimizer, expert, learning_rate=0.1,
                 batch=None, loss=None):
        self.name = name
        self.description = description
        self.model = model
        self.input_specs = input_specs
        self.label_spec = label_spec
        self.optimizer = optimizer
        self.expert = expert
        self.learning_rate = learning_rate
        self.batch = batch
        self.loss = loss or sparse_cross_entropy


def sparse_cross_entropy(labels, logits):
    """Mean softmax cross-entropy over every position, from logits."""
    per_position = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.reduce_mean(per_position)


def one_gpu(op):
    """Everything on the first GPU but what must run on the host: how people run a CNN that fits."""
    return "cpu:0" if op.get("devices") == ["cpu"] else "gpu:0"


def by_group(rules, default="gpu:0"):
    """An expert rule from (group prefix, device) pairs; the first matching prefix wins."""

    def expert(op):
        if op.get("devices") == ["cpu"]:
            return "cpu:0"
        group = op.get("group", "")
        for prefix, device in rules:
            if group.startswith(prefix):
                return device
        return default

    return expert


def cifar10_cnn(batch=128):
    """The CNN of TensorFlow's CIFAR-10 tutorial (models/tutorials/image/cifar10): two 5x5
    convolutions with max pooling and local response normalisation, two fully connected layers,
    a linear softmax layer, on 24x24 crops; trained with plain SGD. About 1.07M parameters and
    19.5M multiply-adds per image, as the tutorial states."""
    lrn = dict(depth_radius=4, bias=1.0, alpha=0.001 / 9.0, beta=0.75)
    images = tf.keras.Input((24, 24, 3), batch_size=batch, name="images")
    x = layers.Conv2D(64, 5, padding="same", activation="relu", name="conv1")(images)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = layers.Lambda(lambda t: tf.nn.local_response_normalization(t, **lrn), name="norm1")(x)
    x = layers.Conv2D(64, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.Lambda(lambda t: tf.nn.local_response_normalization(t, **lrn), name="norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(384, activation="relu", name="local3")(x)
    x = layers.Dense(192, activation="relu", name="local4")(x)
    logits = layers.Dense(10, name="softmax_linear")(x)
    model = tf.keras.Model(images, logits, name="cifar10")
    return Workload("cifar10_cnn", "TensorFlow CIFAR-10 tutorial CNN on 24x24 crops", model,
                    tf.TensorSpec((batch, 24, 24, 3)), tf.TensorSpec((batch,), tf.int32), "sgd", one_gpu, batch=batch)


def inception_v3(batch=32):
    """Inception-V3 (Szegedy et al., 2016) from tf.keras.applications at 299x299, trained with
    RMSProp as in the paper: about 5.7G multiply-adds per image and 23.9M parameters."""
    model = tf.keras.applications.InceptionV3(weights=None, input_shape=(299, 299, 3), classes=1000,
                                              classifier_activation=None)
    return Workload("inception_v3", "Inception-V3 (tf.keras.applications) at 299x299", model,
                    tf.TensorSpec((batch, 299, 299, 3)), tf.TensorSpec((batch,), tf.int32), "rmsprop", one_gpu,
                    learning_rate=0.045, batch=batch)


def resnet50(batch=32):
    """ResNet-50 (He et al., 2016) from tf.keras.applications at 224x224, trained with momentum
    SGD: about 4.1G multiply-adds per image (3.9G with Keras' stride on the 1x1 convolution) and
    25.6M parameters."""
    model = tf.keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3), classes=1000,
                                           classifier_activation=None)
    return Workload("resnet50", "ResNet-50 (tf.keras.applications) at 224x224", model,
                    tf.TensorSpec((batch, 224, 224, 3)), tf.TensorSpec((batch,), tf.int32), "momentum", one_gpu,
                    batch=batch)


def rnnlm(batch=20, steps=35, vocabulary=10000, hidden=1500):
    """The large 2-layer LSTM language model of Zaremba et al. (2014) on Penn Treebank: 1500 units,
    35 unrolled steps, batch 20, plain SGD; 66M parameters. The expert puts one LSTM layer per GPU,
    the embedding with the first and the softmax with the last, as Mirhoseini et al. describe."""
    words = tf.keras.Input((steps,), batch_size=batch, dtype="int32", name="words")
    x = layers.Embedding(vocabulary, hidden, name="embedding")(words)
    x = layers.LSTM(hidden, return_sequences=True, unroll=True, name="lstm_0")(x)
    x = layers.LSTM(hidden, return_sequences=True, unroll=True, name="lstm_1")(x)
    logits = layers.Dense(vocabulary, name="softmax")(x)
    model = tf.keras.Model(words, logits, name="rnnlm")
    expert = by_group([("embedding", "gpu:0"), ("lstm_0", "gpu:0"), ("lstm_1", "gpu:1"), ("softmax", "gpu:1"),
                       ("loss", "gpu:1")])
    return Workload("rnnlm", f"2-layer LSTM language model ({hidden} units, {steps} steps unrolled, vocabulary "
                    f"{vocabulary})", model, tf.TensorSpec((batch, steps), tf.int32),
                    tf.TensorSpec((batch, steps), tf.int32), "sgd", expert, learning_rate=1.0, batch=batch)


def nmt(batch=128, steps=20, vocabulary=32000, hidden=1024):
    """Neural machine translation (Luong et al., 2015; the NMT model of Mirhoseini et al.): a
    2-layer LSTM encoder and a 2-layer LSTM decoder, unrolled over 20 steps each, with dot-product
    attention of the top decoder layer over the encoder's outputs, an attention layer and a softmax
    over a 32k vocabulary. The expert puts each LSTM layer on its own GPU (encoder, then decoder),
    embeddings with the first layer of their side, attention and softmax with the last layer."""
    source = tf.keras.Input((steps,), batch_size=batch, dtype="int32", name="source")
    target = tf.keras.Input((steps,), batch_size=batch, dtype="int32", name="target")
    x = layers.Embedding(vocabulary, hidden, name="encoder_embedding")(source)
    x, h0, c0 = layers.LSTM(hidden, return_sequences=True, return_state=True, unroll=True, name="encoder_0")(x)
    encoded, h1, c1 = layers.LSTM(hidden, return_sequences=True, return_state=True, unroll=True,
                                  name="encoder_1")(x)
    y = layers.Embedding(vocabulary, hidden, name="decoder_embedding")(target)
    y = layers.LSTM(hidden, return_sequences=True, unroll=True, name="decoder_0")(y, initial_state=[h0, c0])
    decoded = layers.LSTM(hidden, return_sequences=True, unroll=True, name="decoder_1")(y, initial_state=[h1, c1])
    context = layers.Attention(name="attention")([decoded, encoded])
    attended = layers.Concatenate(name="attention_concat")([context, decoded])
    attended = layers.Dense(hidden, activation="tanh", use_bias=False, name="attention_layer")(attended)
    logits = layers.Dense(vocabulary, name="softmax")(attended)
    model = tf.keras.Model([source, target], logits, name="nmt")
    expert = by_group([("encoder_embedding", "gpu:0"), ("encoder_0", "gpu:0"), ("encoder_1", "gpu:1"),
                       ("decoder_embedding", "gpu:2"), ("decoder_0", "gpu:2"), ("decoder_1", "gpu:3"),
                       ("attention", "gpu:3"), ("softmax", "gpu:3"), ("loss", "gpu:3")])
    specs = [tf.TensorSpec((batch, steps), tf.int32), tf.TensorSpec((batch, steps), tf.int32)]
    return Workload("nmt", f"LSTM encoder-decoder with attention (2+2 layers of {hidden}, {steps} steps unrolled, "
                    f"vocabulary {vocabulary})", model, specs, tf.TensorSpec((batch, steps), tf.int32), "sgd",
                    expert, learning_rate=1.0, batch=batch)


def _encoder_layer(x, index, width, heads, feed_forward):
    prefix = f"encoder_{index}"
    attended = layers.MultiHeadAttention(heads, width // heads, name=f"{prefix}_attention")(x, x)
    x = layers.LayerNormalization(name=f"{prefix}_norm_1")(layers.Add(name=f"{prefix}_residual_1")([x, attended]))
    hidden = layers.Dense(feed_forward, activation="relu", name=f"{prefix}_ffn_1")(x)
    hidden = layers.Dense(width, name=f"{prefix}_ffn_2")(hidden)
    return layers.LayerNormalization(name=f"{prefix}_norm_2")(layers.Add(name=f"{prefix}_residual_2")([x, hidden]))


def _decoder_layer(y, memory, index, width, heads, feed_forward):
    prefix = f"decoder_{index}"
    attended = layers.MultiHeadAttention(heads, width // heads, name=f"{prefix}_self_attention")(
        y, y, use_causal_mask=True)
    y = layers.LayerNormalization(name=f"{prefix}_norm_1")(layers.Add(name=f"{prefix}_residual_1")([y, attended]))
    crossed = layers.MultiHeadAttention(heads, width // heads, name=f"{prefix}_cross_attention")(y, memory)
    y = layers.LayerNormalization(name=f"{prefix}_norm_2")(layers.Add(name=f"{prefix}_residual_2")([y, crossed]))
    hidden = layers.Dense(feed_forward, activation="relu", name=f"{prefix}_ffn_1")(y)
    hidden = layers.Dense(width, name=f"{prefix}_ffn_2")(hidden)
    return layers.LayerNormalization(name=f"{prefix}_norm_3")(layers.Add(name=f"{prefix}_residual_3")([y, hidden]))


class PositionEmbedding(layers.Layer):
    """Token embedding plus a learned embedding of the position."""

    def __init__(self, vocabulary, length, width, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(vocabulary, width, name="tokens")
        self.positions = layers.Embedding(length, width, name="positions")
        self.length = length

    def call(self, ids):
        return self.tokens(ids) + self.positions(tf.range(self.length))


def transformer(batch=64, length=64, vocabulary=32000, width=512, heads=8, feed_forward=2048, depth=2):
    """A small Transformer (Vaswani et al., 2017) for translation: 2 encoder and 2 decoder layers of
    the base width (512, 8 heads, 2048 feed-forward), learned positions, 64 tokens a side, batch 64,
    Adam. The expert keeps it on one GPU, as people train a model of this size."""
    source = tf.keras.Input((length,), batch_size=batch, dtype="int32", name="source")
    target = tf.keras.Input((length,), batch_size=batch, dtype="int32", name="target")
    x = PositionEmbedding(vocabulary, length, width, name="encoder_embedding")(source)
    for index in range(depth):
        x = _encoder_layer(x, index, width, heads, feed_forward)
    y = PositionEmbedding(vocabulary, length, width, name="decoder_embedding")(target)
    for index in range(depth):
        y = _decoder_layer(y, x, index, width, heads, feed_forward)
    logits = layers.Dense(vocabulary, name="softmax")(y)
    model = tf.keras.Model([source, target], logits, name="transformer")
    specs = [tf.TensorSpec((batch, length), tf.int32), tf.TensorSpec((batch, length), tf.int32)]
    return Workload("transformer", f"Transformer, {depth}+{depth} layers of width {width}, {heads} heads, "
                    f"{length} tokens, vocabulary {vocabulary}", model, specs,
                    tf.TensorSpec((batch, length), tf.int32), "adam", one_gpu, learning_rate=1e-4, batch=batch)


SAMPLES = {
    "cifar10_cnn": cifar10_cnn,
    "inception_v3": inception_v3,
    "resnet50": resnet50,
    "rnnlm": rnnlm,
    "nmt": nmt,
    "transformer": transformer,
}
