function __fulcrum_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __fulcrum_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __fulcrum_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __fulcrum_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __fulcrum_parse_tokens -S
    set -l unparsed_tokens (__fulcrum_tokens -pc)
    switch $unparsed_tokens[1]
    case 'fulcrum'
        __fulcrum_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'inspect'
            __fulcrum_parse_subcommand 1 'json' 'version' 'h/help'
        case 'check'
            __fulcrum_parse_subcommand 1 'spec=' 'activation=' 'json' 'version' 'h/help'
        case 'balance'
            __fulcrum_parse_subcommand -r 1 'glob=+' 'shard=' 'jobs=' 'o/output=' 'out-dir=' 'in-place' 'spec=' 'activation=' 'input-shape=' 'norm=' 'p=' 'q=' 'continuous' 'tolerance=' 'max-sweeps=' 'solver=' 'no-verify' 'probes=' 'json' 'report=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'align'
            __fulcrum_parse_subcommand -r 1 'glob=+' 'shard=' 'jobs=' 'o/output=' 'out-dir=' 'in-place' 'spec=' 'activation=' 'input-shape=' 'continuous' 'tolerance=' 'max-sweeps=' 'no-verify' 'probes=' 'json' 'report=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'diff'
            __fulcrum_parse_subcommand 2 'spec=' 'activation=' 'inputs=' 'probes=' 'seed=' 'input-shape=' 'tolerance=' 'precision=' 'json' 'version' 'h/help'
        case 'audit'
            __fulcrum_parse_subcommand -r 1 'glob=+' 'shard=' 'jobs=' 'spec=' 'config=' 'format=' 'o/output=' 'units' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'convert'
            __fulcrum_parse_subcommand 2 'version' 'h/help'
        case 'help'
            __fulcrum_parse_subcommand -r 1 'version'
        end
    end
end

function __fulcrum_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __fulcrum_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __fulcrum_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __fulcrum_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__fulcrum_tokens -p)
    if test -z "$(__fulcrum_tokens -t)"
        set -l index (count (__fulcrum_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'fulcrum' -f
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'inspect' -d 'Show the format, framework, tensors and architecture of a weight file.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'check' -d 'Show which hidden units of a network can be rescaled, and why the others cannot.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'balance' -d 'Rescale hidden units to the minimal-norm point of the symmetry, without changing the function.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'align' -d 'Rescale hidden units so the path-kernel diagonal is as close to the identity as the symmetry allows.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'diff' -d 'Prove that two weight files compute the same function.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'audit' -d 'Check the health of networks in weight files against thresholds (for CI).'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'convert' -d 'Copy every tensor of a weight file into a file of another format.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum inspect" -eq 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum inspect" json' -l 'json' -d 'Print one JSON document instead of the table.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum inspect" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum check" -eq 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum check" spec' -l 'spec' -d 'A network spec (YAML or JSON) naming the tensors and the wiring.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum check" activation' -l 'activation' -d 'The activation assumed between inferred layers: relu, leaky_relu (slope 0.01, or leaky_relu:0.2), identity, or a blocker such as tanh.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum check" json' -l 'json' -d 'Print one JSON document instead of the table.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum check" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum balance" -ge 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance"' -l 'glob' -d 'File-name pattern (fnmatch) for files found in directories; repeat for several. Default: *.h5 *.hdf5 *.keras *.npz *.npy *.safetensors. Files named directly are always taken.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" shard' -l 'shard' -d 'Process only shard i of n (0 <= i < n) of the sorted file list: file k goes to shard k mod n. For Slurm arrays ($SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) and Kubernetes indexed Jobs.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" jobs' -l 'jobs' -d 'Files processed in parallel.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" o output' -s 'o' -l 'output' -d 'Write the result to this file (only with a single input file).' -rF
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" out-dir' -l 'out-dir' -d 'Write each result into this directory, under its input\'s file name.' -rfa '(__fulcrum_complete_directories)'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" in-place' -l 'in-place' -d 'Replace each input file with its result (still atomic: a failure leaves the original).'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" spec' -l 'spec' -d 'A network spec (YAML or JSON) naming the tensors and the wiring, for files that do not carry their architecture.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" activation' -l 'activation' -d 'The activation assumed between layers when the network is inferred from tensor names: relu, leaky_relu (or leaky_relu:0.2), identity, or a blocker such as tanh.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" input-shape' -l 'input-shape' -d 'One sample\'s input shape in the layout\'s order, e.g. 1,8,8 (C,H,W for PyTorch, H,W,C for Keras), when the file does not say.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" norm' -l 'norm' -d 'The norm to minimise: l2 (default), l1, max, or lpq (with --p and --q).' -rfka 'l1 l2 max lpq'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" p' -l 'p' -d 'p of --norm lpq (>= 1).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" q' -l 'q' -d 'q of --norm lpq (>= 1).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" continuous' -l 'continuous' -d 'Find the continuous optimum (arbitrary scales; outputs equal up to rounding) instead of power-of-two scales.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" tolerance' -l 'tolerance' -d 'Stop when a sweep lowers the objective by less than this fraction.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" max-sweeps' -l 'max-sweeps' -d 'Stop after this many sweeps at the latest.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" solver' -l 'solver' -d 'The continuous solver: block (exact block-coordinate updates, default) or saul (Saul\'s multiplicative update, the reference).' -rfka 'block saul'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" no-verify' -l 'no-verify' -d 'Skip the equivalence proof before writing (not recommended).'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" probes' -l 'probes' -d 'Seeded random probe inputs evaluated on both networks before writing (0: certificate only).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" json' -l 'json' -d 'Print one JSON document (keys documented in the command\'s help) instead of text.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" report' -l 'report' -d 'Also write the JSON report to this file.' -rF
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" q quiet' -s 'q' -l 'quiet' -d 'Print nothing but errors, and the JSON document when one is asked for: no text report, no summary, no progress bar.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" v verbose' -s 'v' -l 'verbose' -d 'Also print each step of each file (read, solve, verify, write; read, audit) with its wall-clock time on stderr.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum balance" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum align" -ge 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align"' -l 'glob' -d 'File-name pattern (fnmatch) for files found in directories; repeat for several. Default: *.h5 *.hdf5 *.keras *.npz *.npy *.safetensors. Files named directly are always taken.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" shard' -l 'shard' -d 'Process only shard i of n (0 <= i < n) of the sorted file list: file k goes to shard k mod n. For Slurm arrays ($SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) and Kubernetes indexed Jobs.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" jobs' -l 'jobs' -d 'Files processed in parallel.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" o output' -s 'o' -l 'output' -d 'Write the result to this file (only with a single input file).' -rF
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" out-dir' -l 'out-dir' -d 'Write each result into this directory, under its input\'s file name.' -rfa '(__fulcrum_complete_directories)'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" in-place' -l 'in-place' -d 'Replace each input file with its result (still atomic: a failure leaves the original).'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" spec' -l 'spec' -d 'A network spec (YAML or JSON) naming the tensors and the wiring, for files that do not carry their architecture.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" activation' -l 'activation' -d 'The activation assumed between layers when the network is inferred from tensor names: relu, leaky_relu (or leaky_relu:0.2), identity, or a blocker such as tanh.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" input-shape' -l 'input-shape' -d 'One sample\'s input shape in the layout\'s order, e.g. 1,8,8 (C,H,W for PyTorch, H,W,C for Keras), when the file does not say.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" continuous' -l 'continuous' -d 'Find the continuous optimum (arbitrary scales) instead of power-of-two scales.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" tolerance' -l 'tolerance' -d 'Stop when a sweep changes the log-scales by less than this in total.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" max-sweeps' -l 'max-sweeps' -d 'Stop after this many sweeps at the latest.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" no-verify' -l 'no-verify' -d 'Skip the equivalence proof before writing (not recommended).'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" probes' -l 'probes' -d 'Seeded random probe inputs evaluated on both networks before writing (0: certificate only).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" json' -l 'json' -d 'Print one JSON document (keys documented in the command\'s help) instead of text.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" report' -l 'report' -d 'Also write the JSON report to this file.' -rF
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" q quiet' -s 'q' -l 'quiet' -d 'Print nothing but errors, and the JSON document when one is asked for: no text report, no summary, no progress bar.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" v verbose' -s 'v' -l 'verbose' -d 'Also print each step of each file (read, solve, verify, write; read, audit) with its wall-clock time on stderr.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum align" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum diff" -eq 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum diff" -eq 2' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" spec' -l 'spec' -d 'A network spec (YAML or JSON) describing A\'s tensors and wiring.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" activation' -l 'activation' -d 'The activation assumed between layers when A\'s network is inferred from tensor names: relu, leaky_relu (slope 0.01, or leaky_relu:0.2), identity, or a blocker such as tanh.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" inputs' -l 'inputs' -d 'A .npy batch (count, sample shape...) of probe inputs.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'npy\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" probes' -l 'probes' -d 'Number of seeded random probe inputs (default 8; 0 skips the probe check).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" seed' -l 'seed' -d 'Seed of the random probe inputs.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" input-shape' -l 'input-shape' -d 'One sample\'s input shape in the layout\'s order, e.g. 1,8,8 (when the file does not say).' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" tolerance' -l 'tolerance' -d 'Relative tolerance for non-power-of-two scales, as a fraction of each row\'s norm.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" precision' -l 'precision' -d 'Arithmetic of the probe evaluation: float32 (as frameworks run) or float64.' -rfka 'float32 float64'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" json' -l 'json' -d 'Print one JSON document instead of text.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum audit" -ge 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit"' -l 'glob' -d 'File-name pattern (fnmatch) for files found in directories; repeat for several. Default: *.h5 *.hdf5 *.keras *.npz *.npy *.safetensors. Files named directly are always taken.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" shard' -l 'shard' -d 'Process only shard i of n (0 <= i < n) of the sorted file list: file k goes to shard k mod n. For Slurm arrays ($SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) and Kubernetes indexed Jobs.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" jobs' -l 'jobs' -d 'Files processed in parallel.' -rfka ''
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" spec' -l 'spec' -d 'Network spec (YAML or JSON) for every file, for files that do not carry their architecture.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" config' -l 'config' -d 'Thresholds (YAML or JSON).' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" format' -l 'format' -d 'Report format: text (a table), json (one document), junit (JUnit XML).' -rfka 'text json junit'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of stdout.' -rF
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" units' -l 'units' -d 'Include every unit\'s norms, balance and conserved quantity in the JSON report.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" q quiet' -s 'q' -l 'quiet' -d 'Print nothing but errors, and the JSON document when one is asked for: no text report, no summary, no progress bar.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" v verbose' -s 'v' -l 'verbose' -d 'Also print each step of each file (read, solve, verify, write; read, audit) with its wall-clock time on stderr.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum convert" -eq 1' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_positional "fulcrum convert" -eq 2' -F
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum convert" version' -l 'version' -d 'Show the version.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum convert" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fulcrum' -n '__fulcrum_should_offer_completions_for_flags_or_options "fulcrum help" version' -l 'version' -d 'Show the version.'
