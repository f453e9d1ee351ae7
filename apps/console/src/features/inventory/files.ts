// The inventory file routes: count-file upload and the stock export.
import { COUNT_FILE_FIELD, type TCountUpload } from "@radha/core/inventory/schema";
import { downloadFile, uploadForm } from "../../lib/files";

export function uploadCountFile(file: File, onProgress?: (done: number) => void): Promise<TCountUpload> {
  const form = new FormData();
  form.append(COUNT_FILE_FIELD, file, file.name);
  return uploadForm<TCountUpload>("/api/files/inventory/counts", form, onProgress);
}

export function downloadStockCsv(): Promise<void> {
  return downloadFile("/api/files/inventory/stock.csv", "inventory.csv");
}
