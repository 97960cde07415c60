"""Typical wrong submissions, as edits of a chapter's reference solution.

Each entry names the submission, the exact text replaced in the reference solution, its
replacement, the one question on which it must lose points (and only there), and the chapter
whose exercises it edits. The ``hard_coded_*`` entries return the public example's expected values
whatever the input: they pass the public checks and must get nothing from the hidden tests.
"""

from __future__ import annotations

from dataclasses import dataclass

CHAR_RNN = "01_char_rnn"
SENTIMENT = "02_sentiment_onehot"
GRU = "03_gru"
GRU_API = "04_gru_api"
EMBEDDINGS = "05_embeddings_bigru"
FORECASTING = "06_pmgru_forecasting"
BATTLEFIELD = "07_battlefield"


@dataclass(frozen=True)
class WrongAnswer:
    name: str
    old: str
    new: str
    loses_on: str
    chapter: str = CHAR_RNN
    #: The most points it may keep on ``loses_on`` (None: fewer than all is enough).
    keeps_at_most: int | None = None


WRONG_ANSWERS = [
    # The lecture's alphabet: the apostrophe is missing (56 symbols, not 57).
    WrongAnswer(
        "alphabet_off_by_one",
        """ALPHABET = string.ascii_letters + " .,;'\"""",
        """ALPHABET = string.ascii_letters + " .,;\"""",
        "q1",
    ),
    # The hidden state is carried over from the previous name.
    WrongAnswer(
        "hidden_not_reset",
        """def classify_name(model, name):
    # BEGIN SOLUTION
    hidden = model.init_hidden()
    for letter in line_to_tensor(name):
        output, hidden = model(letter, hidden)
    return output""",
        """_CARRIED = {}


def classify_name(model, name):
    hidden = _CARRIED.get(id(model), model.init_hidden())
    for letter in line_to_tensor(name):
        output, hidden = model(letter, hidden)
    _CARRIED[id(model)] = hidden
    return output""",
        "q3",
    ),
    # Softmax instead of log-softmax in front of NLLLoss.
    WrongAnswer(
        "softmax_with_nll",
        "return nn.functional.nll_loss(torch.log_softmax(scores, dim=1), target)",
        "return nn.functional.nll_loss(torch.softmax(scores, dim=1), target)",
        "q4",
    ),
    # Confusion matrix read by columns (predicted class) instead of rows (true class).
    WrongAnswer(
        "confusion_axes_swapped",
        "support = cm.sum(axis=1)",
        "support = cm.sum(axis=0)",
        "q5",
    ),
    # sgd_step without clearing the gradients: they pile up from one call to the next.
    WrongAnswer(
        "sgd_step_without_zero_grad",
        "    model.zero_grad()\n    hidden = model.init_hidden()",
        "    hidden = model.init_hidden()",
        "q4",
    ),
    # Hard-coded: the public example's answers returned for every confusion matrix.
    WrongAnswer(
        "hard_coded_accuracy",
        """    cm = np.asarray(cm, dtype=float)
    support = cm.sum(axis=1)""",
        """    return np.array([0.75, 1.0])
    cm = np.asarray(cm, dtype=float)
    support = cm.sum(axis=1)""",
        "q5",
        keeps_at_most=0,
    ),
    # --- chapter 2, sentiment with one-hot words ------------------------------------------------
    # Whitespace splitting: punctuation stays glued to the words.
    WrongAnswer(
        "tokenize_by_split",
        """    words, current = [], ""
    text = text.lower()""",
        """    return text.lower().split()
    words, current = [], ""
    text = text.lower()""",
        "q1",
        SENTIMENT,
    ),
    # The homework's stacked GRU: every layer reads the vocabulary-sized input.
    WrongAnswer(
        "later_layers_read_vocab",
        "    later = (layers - 1) * 3 * (2 * hidden * hidden + 2 * hidden)",
        "    later = (layers - 1) * 3 * (hidden * vocab + hidden * hidden + 2 * hidden)",
        "q2",
        SENTIMENT,
    ),
    # The bias of the linear layer forgotten.
    WrongAnswer(
        "linear_without_bias",
        "    return (weight[:, w] + h @ weight[:, vocab:].T + bias).reshape(1, -1)",
        "    return (weight[:, w] + h @ weight[:, vocab:].T).reshape(1, -1)",
        "q3",
        SENTIMENT,
    ),
    # The lecture's test accuracy, divided by N - 1.
    WrongAnswer(
        "accuracy_over_n_minus_1",
        "    return float((truth == predicted).mean())",
        "    return float((truth == predicted).sum() / (len(truth) - 1))",
        "q4",
        SENTIMENT,
    ),
    # The backward step multiplies by W_hh instead of its transpose.
    WrongAnswer(
        "backprop_without_transpose",
        "        grad = np.asarray(W_hh, dtype=float).T @ grad",
        "        grad = np.asarray(W_hh, dtype=float) @ grad",
        "q6",
        SENTIMENT,
    ),
    # The largest singular value (one step's worst stretch) instead of the spectral radius.
    WrongAnswer(
        "decay_factor_singular_value",
        """    eigenvalues = np.linalg.eigvals(np.asarray(W_hh, dtype=float))
    return float(np.abs(eigenvalues).max())""",
        """    return float(np.linalg.norm(np.asarray(W_hh, dtype=float), 2))""",
        "q6",
        SENTIMENT,
    ),
    # The largest real part: complex eigenvalues (rotations) are missed.
    WrongAnswer(
        "decay_factor_real_part",
        "    return float(np.abs(eigenvalues).max())",
        "    return float(eigenvalues.real.max())",
        "q6",
        SENTIMENT,
    ),
    # Padding updates the state: no mask.
    WrongAnswer(
        "batch_step_updates_padding",
        """    live = (lengths > t).unsqueeze(1)
    return torch.where(live, new, h)""",
        "    return new",
        "q7",
        SENTIMENT,
    ),
    # The mask one step too long: the first padding position still updates the state.
    WrongAnswer(
        "batch_step_mask_off_by_one",
        "    live = (lengths > t).unsqueeze(1)",
        "    live = (lengths >= t).unsqueeze(1)",
        "q7",
        SENTIMENT,
    ),
    # --- chapter 3, gating and the GRU --------------------------------------------------------
    # PyTorch's update rule under the lecture's name: z weighs the old state.
    WrongAnswer(
        "lecture_step_with_torch_update",
        """    n = torch.tanh(x @ W_n.T + b_in + (r * h) @ U_n.T + b_hn)
    return (1 - z) * h + z * n""",
        """    n = torch.tanh(x @ W_n.T + b_in + (r * h) @ U_n.T + b_hn)
    return (1 - z) * n + z * h""",
        "q1",
        GRU,
    ),
    # The lecture's reset (before U_n) in PyTorch's convention.
    WrongAnswer(
        "torch_step_with_lecture_reset",
        "    n = torch.tanh(x @ W_n.T + b_in + r * (h @ U_n.T + b_hn))",
        "    n = torch.tanh(x @ W_n.T + b_in + (r * h) @ U_n.T + b_hn)",
        "q2",
        GRU,
    ),
    # The lecture's update rule under PyTorch's name: z weighs the candidate.
    WrongAnswer(
        "torch_step_with_lecture_update",
        """    n = torch.tanh(x @ W_n.T + b_in + r * (h @ U_n.T + b_hn))
    return (1 - z) * n + z * h""",
        """    n = torch.tanh(x @ W_n.T + b_in + r * (h @ U_n.T + b_hn))
    return (1 - z) * h + z * n""",
        "q2",
        GRU,
    ),
    # The update gate read the other way round.
    WrongAnswer("keep_with_z_one", "Z_KEEP = 0", "Z_KEEP = 1", "q3", GRU),
    # The homework's stacked GRU: layer 2 given input_size inputs.
    WrongAnswer(
        "stack_reads_input_size",
        "    return [input_size] + [hidden_size] * (num_layers - 1)",
        "    return [input_size] * num_layers",
        "q4",
        GRU,
    ),
    # The LSTM's blocks read as i, f, o, g (the order of many textbooks), not nn.LSTM's i, f, g, o.
    WrongAnswer(
        "lstm_gate_order_ifog",
        "    i, f, g, o = gates.chunk(4, dim=1)",
        "    i, f, o, g = gates.chunk(4, dim=1)",
        "q5",
        GRU,
    ),
    # The input and forget blocks exchanged: f, i, g, o.
    WrongAnswer(
        "lstm_gate_order_figo",
        "    i, f, g, o = gates.chunk(4, dim=1)",
        "    f, i, g, o = gates.chunk(4, dim=1)",
        "q5",
        GRU,
    ),
    # The output without its tanh: h' = o * c'.
    WrongAnswer(
        "lstm_output_without_tanh",
        "    h_new = o * torch.tanh(c_new)",
        "    h_new = o * c_new",
        "q5",
        GRU,
    ),
    # tanh on the gates instead of σ: gates in [-1, 1] no longer interpolate.
    WrongAnswer(
        "lstm_tanh_on_the_gates",
        "    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)",
        "    i, f, o = torch.tanh(i), torch.tanh(f), torch.tanh(o)",
        "q5",
        GRU,
    ),
    # The previous cell state forgotten: c' = i * g.
    WrongAnswer(
        "lstm_forgets_the_old_cell",
        "    c_new = f * c + i * g",
        "    c_new = i * g",
        "q5",
        GRU,
    ),
    # Hard-coded: the public example's cell rebuilt, whatever weights are passed in.
    WrongAnswer(
        "hard_coded_lstm_step",
        "    gates = x @ W.T + b_ih + h @ U.T + b_hh\n",
        """    torch.manual_seed(0)
    return torch.nn.LSTMCell(3, 4)(x, (h, c))
    gates = x @ W.T + b_ih + h @ U.T + b_hh
""",
        "q5",
        GRU,
        keeps_at_most=0,
    ),
    # --- chapter 4, the nn.GRU API ----------------------------------------------------------
    # batch_first applied to the hidden state too.
    WrongAnswer(
        "state_made_batch_first",
        """    if batch_first:
        return {"input": (batch, seq_len, input_size), "h0": state,""",
        """    if batch_first:
        state = (batch, num_layers * directions, hidden_size)
        return {"input": (batch, seq_len, input_size), "h0": state,""",
        "q2",
        GRU_API,
    ),
    # Hard-coded: the lecture example's shapes returned for every GRU.
    WrongAnswer(
        "hard_coded_call_shapes",
        """    directions = 2 if bidirectional else 1
    state = (num_layers * directions, batch, hidden_size)""",
        """    return {"input": (5, 3, 10), "h0": (2, 3, 20), "output": (5, 3, 20), "h_n": (2, 3, 20)}
    directions = 2 if bidirectional else 1
    state = (num_layers * directions, batch, hidden_size)""",
        "q2",
        GRU_API,
        keeps_at_most=0,
    ),
    # The "stepping" loop is one whole-sequence call.
    WrongAnswer(
        "does_not_step",
        """    time_axis = 1 if gru.batch_first else 0
    outputs, state = [], h0""",
        """    return gru(x, h0)
    time_axis = 1 if gru.batch_first else 0
    outputs, state = [], h0""",
        "q3",
        GRU_API,
    ),
    # Stepping along the batch axis of a batch_first GRU.
    WrongAnswer(
        "steps_along_axis_0",
        "    time_axis = 1 if gru.batch_first else 0\n    outputs, state = [], h0",
        "    time_axis = 0\n    outputs, state = [], h0",
        "q3",
        GRU_API,
    ),
    # The homework's bidirectional features: the output at the last time step.
    WrongAnswer(
        "homework_out_last_step",
        """    if bidirectional:
        return torch.cat([h_n[-2], h_n[-1]], dim=1)
    return h_n[-1]""",
        """    return output[:, -1]""",
        "q4",
        GRU_API,
    ),
    # The first layer's states instead of the last layer's.
    WrongAnswer(
        "first_layer_states",
        "        return torch.cat([h_n[-2], h_n[-1]], dim=1)\n    return h_n[-1]",
        "        return torch.cat([h_n[0], h_n[1]], dim=1)\n    return h_n[0]",
        "q4",
        GRU_API,
    ),
    # Padding without packing: the short sequences read the padding.
    WrongAnswer(
        "padded_not_packed",
        """    packed = pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=False)
    _, h_n = gru(packed)""",
        """    _, h_n = gru(pad_sequence(sequences))""",
        "q5",
        GRU_API,
    ),
    # One call per sequence instead of one call for the batch.
    WrongAnswer(
        "one_call_per_sequence",
        """    packed = pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=False)
    _, h_n = gru(packed)""",
        """    h_n = torch.cat([gru(s.unsqueeze(1))[1] for s in sequences], dim=1)""",
        "q5",
        GRU_API,
    ),
    # The output at the padded last step: zeros for the short sequences.
    WrongAnswer(
        "padded_last_step",
        "    return output[rows, torch.as_tensor(lengths) - 1]",
        "    return output[:, -1]",
        "q6",
        GRU_API,
    ),
    # --- chapter 5, word embeddings and the bidirectional GRU -------------------------------
    # The homework's features: the padded output at the last time step.
    WrongAnswer(
        "bigru_padded_out_last",
        """    _, h_n = gru(packed)
    return torch.cat([h_n[-2], h_n[-1]], dim=1)""",
        """    out, _ = pad_packed_sequence(gru(packed)[0], batch_first=True)
    return out[:, -1]""",
        "q1",
        EMBEDDINGS,
    ),
    # Both halves read at each review's last word: the backward state has seen one word.
    WrongAnswer(
        "bigru_backward_at_last_word",
        """    _, h_n = gru(packed)
    return torch.cat([h_n[-2], h_n[-1]], dim=1)""",
        """    out, lengths = pad_packed_sequence(gru(packed)[0], batch_first=True)
    return out[torch.arange(len(lengths)), lengths - 1]""",
        "q1",
        EMBEDDINGS,
    ),
    # The first layer's final states: right for one layer only (the public test has one).
    WrongAnswer(
        "bigru_first_layer_states",
        "    return torch.cat([h_n[-2], h_n[-1]], dim=1)",
        "    return torch.cat([h_n[0], h_n[1]], dim=1)",
        "q1",
        EMBEDDINGS,
    ),
    # Word2Vec trained on the training and the test reviews: test words get vectors.
    WrongAnswer(
        "word2vec_on_test_reviews",
        "    model = Word2Vec(train_docs, vector_size=16",
        "    model = Word2Vec(train_docs + test_docs, vector_size=16",
        "q2",
        EMBEDDINGS,
    ),
    # Coverage of distinct test words instead of word occurrences.
    WrongAnswer(
        "coverage_of_distinct_words",
        "    words = [word for doc in test_docs for word in doc]",
        "    words = sorted({word for doc in test_docs for word in doc})",
        "q2",
        EMBEDDINGS,
    ),
    # The input projection without its bias.
    WrongAnswer(
        "projection_without_bias",
        "    return x @ weight_ih.T + bias_ih",
        "    return x @ weight_ih.T",
        "q3",
        EMBEDDINGS,
    ),
    # The slides' update rule in a PyTorch step: z and 1 - z swapped.
    WrongAnswer(
        "gru_step_z_swapped",
        "    return (1 - z) * n + z * h",
        "    return z * n + (1 - z) * h",
        "q4",
        EMBEDDINGS,
    ),
    # TF-IDF fitted on the training and the test reviews: the IDF weights see the test set.
    WrongAnswer(
        "tfidf_fitted_on_test_reviews",
        "    classifier.fit(vectorizer.fit_transform(train_docs), train_labels)",
        """    vectorizer.fit(list(train_docs) + list(test_docs))
    classifier.fit(vectorizer.transform(train_docs), train_labels)""",
        "q5",
        EMBEDDINGS,
    ),
    # The bidirectional classifier's linear layer sized for one direction.
    WrongAnswer(
        "bidirectional_head_reads_one_state",
        "    head = directions * hidden_size * num_classes + num_classes",
        "    head = hidden_size * num_classes + num_classes",
        "q6",
        EMBEDDINGS,
    ),
    # --- chapter 6, forecasting hourly power load with the pmGRU --------------------------------
    # DLStudio's sMAPE: |P - A| / (A + P) / 2, a quarter of the formula it prints.
    WrongAnswer(
        "smape_dlstudio_quarter",
        "    terms = np.divide(2 * np.abs(p - a), denominator,",
        "    terms = np.divide(np.abs(p - a) / 2, denominator,",
        "q1",
        FORECASTING,
    ),
    # sMAPE with the mean of |A| and |P| below 2|P - A|: twice the standard value.
    WrongAnswer(
        "smape_half_denominator",
        "    denominator = np.abs(a) + np.abs(p)\n",
        "    denominator = (np.abs(a) + np.abs(p)) / 2\n",
        "q1",
        FORECASTING,
    ),
    # Hard-coded: the public example's value, and 0 for the perfect forecast it also checks.
    WrongAnswer(
        "hard_coded_smape",
        "    a = np.asarray(actual, dtype=float)\n    p = np.asarray(predicted, dtype=float)\n",
        """    if len(actual) == 4:
        return 100 / 4 * (20 / 210 + 40 / 380 + 0 + 100 / 50)
    return 0.0
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
""",
        "q1",
        FORECASTING,
        keeps_at_most=0,
    ),
    # The lecture's scaler: fitted on the whole file, test hours included.
    WrongAnswer(
        "scaler_fitted_on_whole_file",
        "    lo, hi = fit_minmax(train)\n    return scale(train, lo, hi)",
        "    lo, hi = fit_minmax(np.concatenate([train, test]))\n    return scale(train, lo, hi)",
        "q2",
        FORECASTING,
    ),
    # Off by one: the target is the window's last value, inside the window.
    WrongAnswer(
        "target_inside_window",
        "    y = s[starts + window - 1 + horizon]",
        "    y = s[starts + window - 2 + horizon]",
        "q3",
        FORECASTING,
    ),
    # Windows shuffled, then cut: training windows hold the hours that test windows forecast.
    WrongAnswer(
        "windows_shuffled_across_time",
        "    span = window + horizon  # the hours from a window's first value to its target\n",
        """    span = window + horizon
    starts = np.random.default_rng(0).permutation(n - span + 1)
    n_train, n_val = int(train_frac * len(starts)), int(val_frac * len(starts))
    return starts[:n_train], starts[n_train:n_train + n_val], starts[n_train + n_val:]
""",
        "q4",
        FORECASTING,
    ),
    # Seasonal naive a week before the window's end, whatever the horizon (right for horizon 1 only).
    WrongAnswer(
        "seasonal_naive_ignores_horizon",
        "    return X[:, window - 1 + horizon - season]",
        "    return X[:, window - season]",
        "q5",
        FORECASTING,
    ),
    # The pmGRU gate on the wrong side: f keeps the old state, 1 - f takes the candidate.
    WrongAnswer(
        "pmgru_gate_on_wrong_side",
        "    return (1 - f) * h + f * candidate",
        "    return f * h + (1 - f) * candidate",
        "q6",
        FORECASTING,
    ),
    # --- chapter 7, the model battlefield ---------------------------------------------------
    # The convolutions' biases forgotten: filters·d·w per width only.
    WrongAnswer(
        "kim_convolutions_without_bias",
        "    convolutions = sum(filters * embedding_dim * w + filters for w in widths)",
        "    convolutions = sum(filters * embedding_dim * w for w in widths)",
        "q1",
        BATTLEFIELD,
    ),
    # The embedding counted with num_words rows: the padding row 0 forgotten.
    WrongAnswer(
        "kim_embedding_without_padding_row",
        "    table = (num_words + 1) * embedding_dim",
        "    table = num_words * embedding_dim",
        "q1",
        BATTLEFIELD,
    ),
    # Hard-coded: the public example's count, whatever the sizes.
    WrongAnswer(
        "hard_coded_kim_parameters",
        "    table = (num_words + 1) * embedding_dim",
        "    return 339_684\n    table = (num_words + 1) * embedding_dim",
        "q1",
        BATTLEFIELD,
        keeps_at_most=0,
    ),
    # The GRU's three blocks of weights counted for the LSTM, which has four.
    WrongAnswer(
        "lstm_three_gate_blocks",
        "    lstm = 4 * (hidden_size * embedding_dim",
        "    lstm = 3 * (hidden_size * embedding_dim",
        "q2",
        BATTLEFIELD,
    ),
    # One bias per block (as Keras counts), where PyTorch keeps bias_ih and bias_hh.
    WrongAnswer(
        "lstm_one_bias_per_block",
        "hidden_size * hidden_size + 2 * hidden_size)",
        "hidden_size * hidden_size + hidden_size)",
        "q2",
        BATTLEFIELD,
    ),
    # The LSTM's biases forgotten altogether.
    WrongAnswer(
        "lstm_without_biases",
        "hidden_size * hidden_size + 2 * hidden_size)",
        "hidden_size * hidden_size)",
        "q2",
        BATTLEFIELD,
    ),
    # The maximum over every window of the padded batch, those hanging over a review's end too.
    WrongAnswer(
        "max_over_padded_windows",
        '    return y.masked_fill(~inside[:, None, :], float("-inf")).amax(dim=-1)',
        "    return y.amax(dim=-1)",
        "q3",
        BATTLEFIELD,
    ),
    # Only the windows inside a review: a review shorter than the width gets -inf, not its first window.
    WrongAnswer(
        "short_review_loses_its_window",
        "    last_start = (torch.as_tensor(lengths, device=x.device) - width).clamp(min=0)",
        "    last_start = torch.as_tensor(lengths, device=x.device) - width",
        "q3",
        BATTLEFIELD,
    ),
    # The mean over all time positions, padding included.
    WrongAnswer(
        "mean_includes_padding",
        "    return total / lengths.unsqueeze(1).to(vectors.dtype)",
        "    return vectors.mean(dim=1)",
        "q4",
        BATTLEFIELD,
    ),
    # The padding summed in (it is not zero), divided by the review's length.
    WrongAnswer(
        "mean_sums_the_padding",
        "    total = (vectors * real.unsqueeze(-1).to(vectors.dtype)).sum(dim=1)",
        "    total = vectors.sum(dim=1)",
        "q4",
        BATTLEFIELD,
    ),
    # The state at the padded last position: the recurrence has read padding after short reviews.
    WrongAnswer(
        "last_state_at_padded_end",
        "    return outputs[rows, lengths - 1]",
        "    return outputs[:, -1]",
        "q5",
        BATTLEFIELD,
    ),
    # Off by one: the state one word after the review's end (the first padding step).
    WrongAnswer(
        "last_state_one_step_late",
        "    return outputs[rows, lengths - 1]",
        "    return outputs[rows, lengths.clamp(max=outputs.shape[1] - 1)]",
        "q5",
        BATTLEFIELD,
    ),
    # The source notebook's formula: sigma(x) * sigma(1 - x).
    WrongAnswer(
        "sigmoid_derivative_of_004",
        "    return s * (1 - s)",
        "    return s * torch.sigmoid(1 - x)",
        "q6",
        BATTLEFIELD,
    ),
    # exp(-x) / (1 + exp(-x))^2: right near 0, inf / inf = nan far below it.
    WrongAnswer(
        "sigmoid_derivative_overflows",
        "    s = torch.sigmoid(x)\n    return s * (1 - s)",
        "    e = torch.exp(-x)\n    return e / (1 + e) ** 2",
        "q6",
        BATTLEFIELD,
    ),
]
