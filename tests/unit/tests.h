/* tests.h — the list of unit tests (X-macro) and their prototypes. */
#ifndef BLZ_TESTS_H
#define BLZ_TESTS_H

#define TEST_LIST                                   \
  X(test_bitpack_spec_example)                      \
  X(test_rle_run_and_literal)                       \
  X(test_rle_roundtrip)                             \
  X(test_rle_repeat_matches_levels)                 \
  X(test_rle_one_bit_levels_match)                  \
  X(test_bitpack_every_width)                       \
  X(test_bit_width)                                 \
  X(test_thrift_compact)                            \
  X(test_stats_signed_unsigned)                     \
  X(test_stats_float_nan_and_zero)                  \
  X(test_stats_bytes_unsigned_order)                \
  X(test_stats_truncation)                          \
  X(test_stats_decimal_flba_signed)                 \
  X(test_type_mapping)                              \
  X(test_writer_footer_and_stats)                   \
  X(test_writer_honours_offsets)                    \
  X(test_writer_dictionary_fallback_and_row_groups) \
  X(test_writer_zero_rows)                          \
  X(test_writer_rejects_bad_input)                  \
  X(test_writer_dictionary_utf8_checked_each_batch) \
  X(test_writers_together_write_the_same_bytes)     \
  X(test_writer_refuses_whole_batch_past_first_chunk) \
  X(test_writer_dictionary_array_bad_index)         \
  X(test_writer_sink_failure_is_reported)           \
  X(test_writer_null_count_unknown)                 \
  X(test_writer_legacy_min_max)                     \
  X(test_writer_malformed_c_data)                   \
  X(test_writer_arrow_types_issue12)                \
  X(test_writer_run_end_encoded_and_list_view)      \
  X(test_writer_bad_offsets_and_views)              \
  X(test_writer_decimal128_precision)               \
  X(test_ipc_reads_generated_streams)               \
  X(test_ipc_delta_dictionary)                     \
  X(test_ipc_compressed_matches_plain)              \
  X(test_ipc_truncated_streams_fail_cleanly)        \
  X(test_ipc_corrupt_bytes_never_crash)             \
  X(test_ipc_schema_change_mid_stream)              \
  X(test_ipc_not_a_stream)                          \
  X(test_ipc_schema_message_roundtrip)              \
  X(test_uuid7_layout_and_order)                    \
  X(test_config_defaults_and_values)                \
  X(test_config_errors_name_key_and_line)           \
  X(test_partition_render_and_escape)               \
  X(test_partition_run_matches_render)              \
  X(test_sink_rolls_on_inactivity_by_clock)         \
  X(test_sink_rolls_on_age_while_writing)           \
  X(test_sink_rolls_on_size)                        \
  X(test_sink_partitions_and_max_open_files)        \
  X(test_sink_source_change_finishes_files)         \
  X(test_sink_memory_budget_flushes_largest)        \
  X(test_sink_idle_partition_gives_back_its_row_group) \
  X(test_sink_same_bytes_for_any_thread_count)     \
  X(test_sink_config_validate_c_api)                \
  X(test_config_hostile_shapes)                     \
  X(test_sink_callback_may_query)                   \
  X(test_sink_rerun_skips_landed_rows)              \
  X(test_sink_recovery_finishes_or_drops)           \
  X(test_sink_local_landing_failure_is_recovered)   \
  X(test_staging_json)                              \
  X(test_sink_refuses_whole_batch)                  \
  X(test_sigv4_aws_example)                         \
  X(test_uri_encode)                                \
  X(test_s3_options)                                \
  X(test_xml_value)                                 \
  X(test_config_s3_part_limits)                     \
  X(test_metrics_render)                            \
  X(test_config_metrics_section)                    \
  X(test_pages_dictionary_roundtrip)                \
  X(test_pages_arrow_dictionary_batches)          \
  X(test_pages_plain_roundtrip)                     \
  X(test_pages_many_small_pages)                     \
  X(test_page_index)                                 \
  X(test_pages_v2_roundtrip)                         \
  X(test_page_checksums)                            \
  X(test_nested_list_levels)                        \
  X(test_delta_binary_packed_layout)                \
  X(test_delta_binary_packed_roundtrip)             \
  X(test_delta_byte_arrays)                         \
  X(test_byte_stream_split)                         \
  X(test_utf8_check)                                \
  X(test_dict_slots_near_page_limit)                \
  X(test_writer_dictionary_judged_per_chunk)        \
  X(test_writer_compact_profile_encodings)          \
  X(test_writer_column_encoding_errors)             \
  X(test_writer_refuses_invalid_utf8)               \
  X(test_writer_checks_strings_in_place)            \
  X(test_writer_bloom_filters)

#define X(name) void name(void);
TEST_LIST
#undef X

#endif
