"""Traces one full training step of a Keras model (forward pass, loss, gradients, optimizer update)
into a TensorFlow function graph, with the optimizer's update written as TensorFlow's fused kernels
(ResourceApplyMomentum and friends) so that each variable's update is one op, as in TF1 graphs."""

import tensorflow as tf

# Slot variables each optimizer keeps per trainable variable, in the order its kernel takes them.
SLOTS = {
    "sgd": [],
    "momentum": ["momentum"],
    "rmsprop": ["rms", "momentum"],
    "adam": ["m", "v"],
}


class TracedStep:
    """The traced graph and what the exporter needs to name its variables."""

    def __init__(self, graph, variables, slot_of, model_scope, backward_start):
        self.graph = graph
        # Index in graph.get_operations() of the first op the gradient computation made.
        self.backward_start = backward_start
        # Every variable the step touches (trainable, non-trainable, optimizer slots), by handle id.
        self.variables = variables
        # Slot variable name -> the name of the variable it belongs to.
        self.slot_of = slot_of
        self.model_scope = model_scope


def variable_name(variable):
    return variable.name.split(":")[0]


def _apply_update(optimizer, variable, slots, gradient, learning_rate):
    lr = tf.constant(learning_rate, dtype=variable.dtype)
    if isinstance(gradient, tf.IndexedSlices):
        if optimizer == "sgd":
            return tf.raw_ops.ResourceScatterSub(resource=variable.handle, indices=gradient.indices,
                                                 updates=gradient.values * lr)
        if optimizer == "momentum":
            return tf.raw_ops.ResourceSparseApplyMomentum(
                var=variable.handle, accum=slots[0].handle, lr=lr, grad=gradient.values, indices=gradient.indices,
                momentum=tf.constant(0.9, dtype=variable.dtype))
        gradient = tf.convert_to_tensor(gradient)
    if optimizer == "sgd":
        return tf.raw_ops.ResourceApplyGradientDescent(var=variable.handle, alpha=lr, delta=gradient)
    if optimizer == "momentum":
        return tf.raw_ops.ResourceApplyMomentum(var=variable.handle, accum=slots[0].handle, lr=lr, grad=gradient,
                                                momentum=tf.constant(0.9, dtype=variable.dtype))
    if optimizer == "rmsprop":
        return tf.raw_ops.ResourceApplyRMSProp(
            var=variable.handle, ms=slots[0].handle, mom=slots[1].handle, lr=lr,
            rho=tf.constant(0.9, dtype=variable.dtype), momentum=tf.constant(0.9, dtype=variable.dtype),
            epsilon=tf.constant(1.0, dtype=variable.dtype), grad=gradient)
    if optimizer == "adam":
        c = lambda value: tf.constant(value, dtype=variable.dtype)
        return tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=slots[0].handle, v=slots[1].handle, beta1_power=c(0.9), beta2_power=c(0.999),
            lr=lr, beta1=c(0.9), beta2=c(0.999), epsilon=c(1e-7), grad=gradient)
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(SLOTS)}")


def trace(model, input_specs, label_spec, loss, optimizer="momentum", learning_rate=0.1):
    """Traces `loss(labels, model(inputs, training=True))`, its gradients with respect to every
    trainable variable, and the optimizer update, for the given tf.TensorSpecs."""
    if optimizer not in SLOTS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(SLOTS)}")
    trainable = list(model.trainable_variables)
    slots = []
    slot_of = {}
    with tf.init_scope():
        for variable in trainable:
            own = []
            for slot in SLOTS[optimizer]:
                name = f"{variable_name(variable)}/{slot}"
                slot_variable = tf.Variable(tf.zeros(variable.shape, variable.dtype), trainable=False, name=name)
                slot_of[variable_name(slot_variable)] = variable_name(variable)
                own.append(slot_variable)
            slots.append(own)

    backward_start = []

    def step(inputs, labels):
        with tf.GradientTape() as tape:
            outputs = model(inputs, training=True)
            total = loss(labels, outputs)
        backward_start.append(len(tf.compat.v1.get_default_graph().get_operations()))
        with tf.name_scope("backward"):
            gradients = tape.gradient(total, trainable)
        with tf.name_scope("update"):
            for variable, own, gradient in zip(trainable, slots, gradients):
                if gradient is None:
                    raise ValueError(f"variable {variable.name} gets no gradient from the loss")
                _apply_update(optimizer, variable, own, gradient, learning_rate)
        return total

    traced = tf.function(step, autograph=False).get_concrete_function(input_specs, label_spec)
    variables = {id(v.handle): v for v in model.variables}
    for own in slots:
        for v in own:
            variables[id(v.handle)] = v
    return TracedStep(traced.graph, variables, slot_of, model.name, backward_start[-1])
