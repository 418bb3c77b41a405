# Generates sdk/go/capi_stores.go (node get, children, subtree and ancestors are hand-written in
# capi_result.go: they read the view in the same crossing): one Go function per export that writes a result, a count or a
# bool. Each spec: Go name, C name, args (name:kind), output kind.
# kinds: s = required string, o = optional string ("" is NULL), i64, u32, sz (int->size_t), b (bool),
#        pi64 (*int64 optional pointer), pf64 (*float64), raw (string passed as bytes)
specs = """
cDocumentStore treestore_document_store json:s -> R
cDocumentStoreBatch treestore_document_store_batch json:s -> N
cDocumentDelete treestore_document_delete policy:s version:o -> N
cDocumentGet treestore_document_get policy:s version:o -> R
cDocumentStructure treestore_document_structure policy:s version:o summaryChars:i64 limit:sz cursor:o -> R
cPageIndexImport treestore_pageindex_import json:s policy:s version:s start:pi64 end:pi64 createdBy:o description:o -> R
cPageIndexExport treestore_pageindex_export policy:s version:o flags:u32 -> R
cNodeGetBatch treestore_node_get_batch policy:s version:o idsJSON:s text:b -> R
cNodeByPage treestore_node_by_page policy:s version:o page:i64 text:b -> R
cNodeByPages treestore_node_by_pages policy:s version:o spec:s text:b -> R
cNodeBySectionPath treestore_node_by_section_path policy:s version:o path:s -> R
cVersionList treestore_version_list policy:s limit:sz cursor:o -> R
cPolicyList treestore_policy_list limit:sz cursor:o -> R
cVersionGet treestore_version_get policy:s version:s -> R
cVersionGetByTag treestore_version_get_by_tag policy:s tag:s -> R
cVersionLatest treestore_version_latest policy:s -> R
cVersionAsOf treestore_version_as_of policy:s at:i64 -> R
cVersionTag treestore_version_tag policy:s version:s tag:s -> E
cVersionUntag treestore_version_untag policy:s tag:s -> B
cVersionDiff treestore_version_diff policy:s from:s to:s -> R
cSearch treestore_search policy:o version:o query:s limit:sz offset:sz snippetChars:sz text:b -> R
cSearchAll treestore_search_all query:s optionsJSON:o snippetChars:sz text:b -> R
cSearchUnified treestore_search_unified query:s optionsJSON:o -> R
cSearchSettingsGet treestore_search_settings_get -> R
cSearchSettingsSet treestore_search_settings_set json:s -> R
cToolResultStore treestore_tool_result_store json:s -> R
cToolResultGet treestore_tool_result_get id:s -> R
cToolResultList treestore_tool_result_list queryJSON:s -> R
cToolResultDelete treestore_tool_result_delete id:s -> B
cToolResultPurge treestore_tool_result_purge before:i64 -> N
cTrajectoryStore treestore_trajectory_store json:s -> R
cTrajectoryAppendStep treestore_trajectory_append_step id:s stepJSON:s -> R
cTrajectoryComplete treestore_trajectory_complete id:s at:i64 -> E
cTrajectoryGet treestore_trajectory_get id:s -> R
cTrajectoryList treestore_trajectory_list caseID:s pageJSON:o -> R
cTrajectoryListSteps treestore_trajectory_list_steps id:s pageJSON:o -> R
cTrajectoryGetStep treestore_trajectory_get_step id:s step:u32 -> R
cTrajectoryDelete treestore_trajectory_delete id:s -> B
cCrossReferenceStore treestore_cross_reference_store json:s -> R
cCrossReferenceList treestore_cross_reference_list queryJSON:s -> R
cCrossReferenceDelete treestore_cross_reference_delete json:s -> B
cCrossReferenceDeleteOfPolicy treestore_cross_reference_delete_of_policy policy:s -> N
cContradictionStore treestore_contradiction_store json:s -> R
cContradictionResolve treestore_contradiction_resolve id:s status:s resolution:o -> R
cContradictionGet treestore_contradiction_get id:s -> R
cContradictionList treestore_contradiction_list queryJSON:s -> R
cContradictionDelete treestore_contradiction_delete id:s -> B
cMetadataSet treestore_metadata_set json:s -> R
cMetadataGet treestore_metadata_get entityType:s entityID:s key:s -> R
cMetadataGetAll treestore_metadata_get_all entityType:s entityID:s -> R
cMetadataList treestore_metadata_list entityType:s entityID:s pageJSON:o -> R
cMetadataDelete treestore_metadata_delete entityType:s entityID:s key:s -> B
cMetadataDeleteAll treestore_metadata_delete_all entityType:s entityID:s -> N
cMetadataQueryByKey treestore_metadata_query_by_key entityType:o key:s pageJSON:o -> R
cMetadataQueryByKeyValue treestore_metadata_query_by_key_value entityType:o key:s value:s pageJSON:o -> R
cMetadataQueryMultiple treestore_metadata_query_multiple queryJSON:s -> R
cPromptCreate treestore_prompt_create json:s -> R
cPromptGet treestore_prompt_get name:s version:u32 label:o -> R
cPromptListVersions treestore_prompt_list_versions name:s pageJSON:o -> R
cPromptList treestore_prompt_list pageJSON:o -> R
cPromptSetLabel treestore_prompt_set_label name:s label:s version:u32 -> E
cPromptRemoveLabel treestore_prompt_remove_label name:s label:s -> B
cPromptRender treestore_prompt_render name:s version:u32 label:o variablesJSON:o -> R
cPromptDiff treestore_prompt_diff name:s from:u32 to:u32 -> R
cPromptDelete treestore_prompt_delete name:s -> B
cUsageRecord treestore_prompt_usage_record json:s -> R
cUsageScore treestore_prompt_usage_score id:s score:pf64 -> R
cUsageGet treestore_prompt_usage_get id:s -> R
cUsageList treestore_prompt_usage_list queryJSON:s -> R
cUsageDelete treestore_prompt_usage_delete id:s -> B
cPromptStatsGet treestore_prompt_stats_get name:s version:u32 -> R
cPromptStatsList treestore_prompt_stats_list name:s -> R
cConversationCreate treestore_conversation_create json:s -> R
cConversationUpdate treestore_conversation_update json:s -> R
cConversationAddMessage treestore_conversation_add_message json:s -> R
cConversationGet treestore_conversation_get id:s -> R
cConversationGetMessage treestore_conversation_get_message id:s -> R
cConversationListMessages treestore_conversation_list_messages id:s pageJSON:o -> R
cConversationGetWithMessages treestore_conversation_get_with_messages id:s -> R
cConversationList treestore_conversation_list queryJSON:s -> R
cConversationListByUser treestore_conversation_list_by_user user:s pageJSON:o -> R
cConversationListByTag treestore_conversation_list_by_tag tag:s pageJSON:o -> R
cConversationDelete treestore_conversation_delete id:s -> B
cNodeEnriched treestore_node_enriched policy:s version:o node:s limit:sz -> R
cNodeRelated treestore_node_related policy:s version:o criterion:s tokensJSON:o limit:sz -> R
"""
gotype = {'s':'string','o':'string','i64':'int64','u32':'uint32','sz':'int','b':'bool','pi64':'*int64','pf64':'*float64'}
out = []
for line in specs.strip().splitlines():
    parts = line.split()
    gname, cname = parts[0], parts[1]
    kind = parts[-1]
    args = [a.split(':') for a in parts[2:-2]]
    params = ', '.join(f'{n} {gotype[k]}' for n, k in args)
    pre = []
    cargs = ['h', 'txn']
    for n, k in args:
        if k == 's':
            pre.append(f'{n}P, {n}L := strArg({n})'); cargs += [f'{n}P', f'{n}L']
        elif k == 'o':
            pre.append(f'{n}P, {n}L := optArg({n})'); cargs += [f'{n}P', f'{n}L']
        elif k == 'i64':
            cargs.append(f'C.int64_t({n})')
        elif k == 'u32':
            cargs.append(f'C.uint32_t({n})')
        elif k == 'sz':
            cargs.append(f'C.size_t({n})')
        elif k == 'b':
            cargs.append(f'C.bool({n})')
        elif k == 'pi64':
            cargs.append(f'(*C.int64_t)(unsafe.Pointer({n}))')
        elif k == 'pf64':
            cargs.append(f'(*C.double)(unsafe.Pointer({n}))')
    head = f'func {gname}(h dbHandle, txn txnHandle'
    if params: head += ', ' + params
    body = '\n\t'.join(pre)
    if kind == 'R':
        sig = head + ') (*result, error) {'
        call = f'\tvar res *C.treestore_result\n\tvar e *C.treestore_error\n\tst := C.{cname}({", ".join(cargs + ["&res", "&e"])})\n\treturn takeResult(st, e, res)'
    elif kind == 'N':
        sig = head + ') (uint64, error) {'
        call = f'\tvar n C.uint64_t\n\tvar e *C.treestore_error\n\tst := C.{cname}({", ".join(cargs + ["&n", "&e"])})\n\treturn uint64(n), errorFrom(st, e)'
    elif kind == 'B':
        sig = head + ') (bool, error) {'
        call = f'\tvar b C.bool\n\tvar e *C.treestore_error\n\tst := C.{cname}({", ".join(cargs + ["&b", "&e"])})\n\treturn bool(b), errorFrom(st, e)'
    elif kind == 'E':
        sig = head + ') error {'
        call = f'\tvar e *C.treestore_error\n\tst := C.{cname}({", ".join(cargs + ["&e"])})\n\treturn errorFrom(st, e)'
    out.append(sig + ('\n\t' + body if body else '') + '\n' + call + '\n}\n')
hdr = '''// Code generated by sdk/go/gen/capi_stores.py; DO NOT EDIT.

package treestore

// The store exports of the C ABI, one Go function each: arguments become (pointer, length) pairs
// (a pointer argument keeps its Go string alive for the call), outputs are Go locals the export
// writes, and results go through takeResult, which copies them into Go memory and frees them.
// With capi.go, capi_result.go and capi_log.go this is the only code of the SDK that calls C.

// #include <treestore.h>
import "C"

import "unsafe"

// optArg passes an optional string: "" is absent (NULL).
func optArg(s string) (*C.uint8_t, C.size_t) {
	if s == "" {
		return nil, 0
	}
	return strArg(s)
}

// The flags of treestore_pageindex_export.
const (
	exportPretty = C.TREESTORE_PAGEINDEX_PRETTY
	exportASCII  = C.TREESTORE_PAGEINDEX_ASCII
)

'''
# Written beside this folder, whichever checkout runs it.
import os
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'capi_stores.go'), 'w').write(hdr + '\n'.join(out))
